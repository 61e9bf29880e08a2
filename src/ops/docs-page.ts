// The API page's HTML: swagger-ui's stylesheet and script, and the start-up
// script, all from the bridge itself. No inline script or style: the CSP
// forbids them. Settings reach the start-up script as data attributes.
import type { DocsAsset } from './docs-assets.js';
import { BODY_KEY_EXTENSION, openApiPath } from './openapi.js';
import { KEY_PLACEHOLDER } from './openapi-examples.js';

const escapeHtml = (text: string): string => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Where the page and its files are served. */
export const docsPath = (basePath: string): string => `${basePath}/docs`;
export const docsAssetPath = (basePath: string, name: string): string => `${docsPath(basePath)}/${name}`;

export function docsPage(basePath: string, assets: { css: DocsAsset; bundle: DocsAsset; init: DocsAsset }): string {
  const src = (a: DocsAsset) => escapeHtml(`${docsAssetPath(basePath, a.name)}?v=${a.version}`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>ejabberd-restful API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${src(assets.css)}">
</head>
<body>
<noscript>This page needs JavaScript. The API is described in <a href="${escapeHtml(openApiPath(basePath))}">openapi.json</a>.</noscript>
<div id="swagger-ui"></div>
<script src="${src(assets.bundle)}"></script>
<script src="${src(assets.init)}" data-openapi="${escapeHtml(openApiPath(basePath))}" data-key-extension="${escapeHtml(BODY_KEY_EXTENSION)}" data-key-placeholder="${escapeHtml(KEY_PLACEHOLDER)}"></script>
</body>
</html>
`;
}
