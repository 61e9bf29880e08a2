// The files of the API page: an allow-list of swagger-ui-dist's own files
// (read from the installed package, so the page needs no CDN and no internet)
// plus the page's start-up script. Nothing else of the package is served.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DOCS_INIT_SCRIPT } from './docs-init-script.js';

export interface DocsAsset {
  /** The file name, served at <base_path>/docs/<name>. */
  name: string;
  type: string;
  body: Buffer;
  /** A digest of the content: the page asks for ?v=<version>, so a new package means a new URL. */
  version: string;
}

const CSS = 'text/css; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';

/** The only package files served. */
const FROM_PACKAGE: readonly { name: string; type: string }[] = [
  { name: 'swagger-ui.css', type: CSS },
  { name: 'swagger-ui-bundle.js', type: JS },
];

/** The page's own start-up script, a separate file so that the CSP can forbid inline scripts. */
export const INIT_SCRIPT_NAME = 'init.js';

const asset = (name: string, type: string, body: Buffer): DocsAsset => ({
  name,
  type,
  body,
  version: createHash('sha256').update(body).digest('base64url').slice(0, 16),
});

/** Reads the allow-listed files once (at start-up, only when the page is enabled). */
export function loadDocsAssets(): DocsAsset[] {
  const dist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return [
    ...FROM_PACKAGE.map(({ name, type }) => asset(name, type, readFileSync(path.join(dist, name)))),
    asset(INIT_SCRIPT_NAME, JS, Buffer.from(DOCS_INIT_SCRIPT, 'utf8')),
  ];
}
