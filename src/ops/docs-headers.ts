// Response headers of the API page and its files: a strict Content-Security-
// Policy (only the bridge's own origin, no inline script, no framing), no
// sniffing, no referrer, and caching fit for each.

/**
 * The page loads scripts, styles and the OpenAPI document from its own origin
 * and sends "try it" requests there, nothing else. style-src needs no
 * 'unsafe-inline': swagger-ui 5 sets styles through the DOM (which CSP does
 * not restrict), never as <style> elements or style attributes; the browser
 * test fails on any violation. img-src allows data: URIs: swagger-ui.css
 * draws its arrows and icons as inline SVG data URIs.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': DOCS_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // For browsers that predate frame-ancestors.
  'X-Frame-Options': 'DENY',
};

/** The page: always revalidated, so it names the current files. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = { ...SECURITY_HEADERS, 'Cache-Control': 'no-cache' };

/** The files: the page asks for them with ?v=<digest of the content>, so a cached copy is never stale. */
export const ASSET_HEADERS: Readonly<Record<string, string>> = {
  ...SECURITY_HEADERS,
  'Cache-Control': 'public, max-age=31536000, immutable',
};
