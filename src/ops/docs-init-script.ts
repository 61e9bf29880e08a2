// The API page's start-up script, served as <base_path>/docs/init.js (a file
// of its own, so that the page's CSP can forbid inline scripts). It reads
// its settings from its own <script> element's data attributes and starts
// swagger-ui on the bridge's OpenAPI document.
//
// Keys: swagger-ui keeps what is typed into Authorize in memory only
// (persistAuthorization off: nothing in localStorage), and sends a query key
// itself. A key in a JSON body is beyond OpenAPI's security schemes, so the
// request interceptor below puts the key typed for the operation's mount
// (named by the document's x-body-key-scheme) in place of the placeholder.
// Plain ES2017 for the browser; it is served as written, not compiled.
export const DOCS_INIT_SCRIPT = `'use strict';
(function () {
  var settings = document.currentScript.dataset;
  var ui;

  /** The operation a request is for, from the loaded document (paths have no templates). */
  function operationOf(request) {
    var paths = ui.specSelectors.specJson().get('paths');
    var path = new URL(request.url, window.location.href).pathname;
    var operation = paths && paths.getIn([path, String(request.method).toLowerCase()]);
    return operation || null;
  }

  /** Fills the body's key placeholder (or a missing key) with the key typed into Authorize for that mount. */
  function fillBodyKey(request) {
    if (request.loadSpec || typeof request.body !== 'string') return request;
    var operation = operationOf(request);
    var scheme = operation && operation.get(settings.keyExtension);
    if (typeof scheme !== 'string') return request;
    var key = ui.authSelectors.authorized().getIn([scheme, 'value']);
    if (typeof key !== 'string' || key === '') return request;
    var body;
    try {
      body = JSON.parse(request.body);
    } catch (e) {
      return request;
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return request;
    if (body.key !== undefined && body.key !== settings.keyPlaceholder) return request;
    body.key = key;
    request.body = JSON.stringify(body);
    return request;
  }

  ui = SwaggerUIBundle({
    url: settings.openapi,
    dom_id: '#swagger-ui',
    presets: [SwaggerUIBundle.presets.apis],
    // No top bar: it would let the page load another document from anywhere.
    layout: 'BaseLayout',
    queryConfigEnabled: false,
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: -1,
    displayRequestDuration: true,
    // Keys live in this tab's memory only.
    persistAuthorization: false,
    // No badge from validator.swagger.io: nothing leaves the bridge's origin.
    validatorUrl: null,
    withCredentials: false,
    supportedSubmitMethods: ['get', 'post'],
    requestInterceptor: fillBodyKey,
  });
})();
`;
