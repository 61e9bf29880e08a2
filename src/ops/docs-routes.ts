// The interactive API page (docs.enabled): <base_path>/docs and the few files
// it loads, as operational routes, and their entries in the OpenAPI document
// (which lists every route the bridge serves).
import type { OpsRoute } from '../http/app.js';
import { INIT_SCRIPT_NAME, loadDocsAssets, type DocsAsset } from './docs-assets.js';
import { ASSET_HEADERS, PAGE_HEADERS } from './docs-headers.js';
import { docsAssetPath, docsPage, docsPath } from './docs-page.js';

const HTML = 'text/html; charset=utf-8';

export interface DocsRoutes {
  routes: OpsRoute[];
  /** OpenAPI path items of those routes. */
  paths: Record<string, Record<string, unknown>>;
}

export function docsRoutes(basePath: string): DocsRoutes {
  const assets = loadDocsAssets();
  const named = (name: string): DocsAsset => {
    const found = assets.find((a) => a.name === name);
    if (!found) throw new Error(`the API page's file ${name} is missing`);
    return found;
  };
  const page = Buffer.from(
    docsPage(basePath, { css: named('swagger-ui.css'), bundle: named('swagger-ui-bundle.js'), init: named(INIT_SCRIPT_NAME) }),
    'utf8',
  );
  const routes: OpsRoute[] = [
    {
      path: docsPath(basePath),
      quiet: false,
      handle: () => Promise.resolve({ type: HTML, body: page, headers: PAGE_HEADERS }),
    },
    // The page's files are logged at debug, like probes: one page view would otherwise log three lines.
    ...assets.map((a) => ({
      path: docsAssetPath(basePath, a.name),
      quiet: true,
      handle: () => Promise.resolve({ type: a.type, body: a.body, headers: ASSET_HEADERS }),
    })),
  ];

  const get = (operationId: string, summary: string, type: string, description?: string) => ({
    get: {
      operationId,
      tags: ['operations'],
      summary,
      ...(description === undefined ? {} : { description }),
      security: [],
      responses: { '200': { description: summary, content: { [type]: { schema: { type: 'string' } } } } },
    },
  });
  const paths: Record<string, Record<string, unknown>> = {
    [docsPath(basePath)]: get(
      'docs',
      'The interactive API page (this document, rendered by swagger-ui)',
      HTML,
      'No key needed to open it. Keys are typed into its Authorize dialog and kept in the browser tab only. ' +
        "Everything it loads comes from the bridge's own origin (Content-Security-Policy 'self').",
    ),
    ...Object.fromEntries(
      assets.map((a) => [
        docsAssetPath(basePath, a.name),
        get(`docs_file_${a.name.replace(/[^A-Za-z0-9]/g, '_')}`, `A file of the API page: ${a.name}`, a.type.split(';')[0] ?? a.type),
      ]),
    ),
  };
  return { routes, paths };
}
