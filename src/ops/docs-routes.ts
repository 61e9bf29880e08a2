// The interactive API page (docs.enabled): <base_path>/docs and the few files
// it loads, as operational routes, each with its entry in the OpenAPI
// document (which lists every route the bridge serves).
import { INIT_SCRIPT_NAME, loadDocsAssets, type DocsAsset } from './docs-assets.js';
import { ASSET_HEADERS, PAGE_HEADERS } from './docs-headers.js';
import { docsAssetPath, docsPage, docsPath } from './docs-page.js';
import type { DocumentedRoute } from './openapi.js';

const HTML = 'text/html; charset=utf-8';

const fileOperation = (operationId: string, summary: string, type: string, description?: string): DocumentedRoute['operation'] => ({
  operationId,
  summary,
  ...(description === undefined ? {} : { description }),
  responses: { '200': { description: summary, content: { [type]: { schema: { type: 'string' } } } } },
});

export function docsRoutes(basePath: string): DocumentedRoute[] {
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
  return [
    {
      path: docsPath(basePath),
      quiet: false,
      handle: () => Promise.resolve({ type: HTML, body: page, headers: PAGE_HEADERS }),
      operation: fileOperation(
        'docs',
        'The interactive API page (this document, rendered by swagger-ui)',
        HTML,
        'No key needed to open it. Keys are typed into its Authorize dialog and kept in the browser tab only. ' +
          "Everything it loads comes from the bridge's own origin (Content-Security-Policy 'self').",
      ),
    },
    // The page's files are logged at debug, like probes: one page view would otherwise log three lines.
    ...assets.map((a) => ({
      path: docsAssetPath(basePath, a.name),
      quiet: true,
      handle: () => Promise.resolve({ type: a.type, body: a.body, headers: ASSET_HEADERS }),
      operation: fileOperation(`docs_file_${a.name.replace(/[^A-Za-z0-9]/g, '_')}`, `A file of the API page: ${a.name}`, a.type.split(';')[0] ?? a.type),
    })),
  ];
}
