// The operational routes: liveness, readiness, metrics, the OpenAPI
// document and the API page. None needs a key: load balancers and scrapers
// cannot send one, and the page asks its user for keys.
import { Refusal } from '../contract/refusal.js';
import type { OpsRoute } from '../http/app.js';
import { docsRoutes } from './docs-routes.js';
import type { BridgeMetrics } from './metrics.js';
import { openApiPath, withPaths } from './openapi.js';

export interface OpsDeps {
  basePath: string;
  /**
   * Why the bridge cannot serve requests right now; undefined when it can.
   * Only whether it is set is shown: /ready needs no key, and the reason can
   * name the XMPP server's address or quote its ban text (it is in the log).
   */
  notReady: () => string | undefined;
  /**
   * How many of the bridge's own XMPP sessions are up, in all and on each
   * node in the order of xmpp.service (by position: /ready names no address).
   */
  sessions?: () => { up: number; of: number; by_node: number[] };
  /** Served on the main listener when given (else on its own listener, or not at all). */
  metrics: BridgeMetrics | undefined;
  /** The OpenAPI document as it stands (it changes when the server's commands are learned again). */
  openApi: () => Record<string, unknown>;
  /** Serve the interactive API reference at <base_path>/docs (docs.enabled); off when not given. */
  docs?: boolean;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** /ready's 503 detail: the same for every reason, pointing at where the reason is. */
export const NOT_READY_DETAIL = "not ready: the XMPP session is down or the bridge is shutting down; the bridge's log says why";

export function opsRoutes({ basePath, notReady, sessions, metrics, openApi, docs = false }: OpsDeps): OpsRoute[] {
  const page = docs ? docsRoutes(basePath) : undefined;
  // The document lists every route served, the page's among them; written out again only when it changed.
  let written: { from: Record<string, unknown>; text: string } | undefined;
  const document = (): string => {
    const current = openApi();
    if (written?.from !== current) written = { from: current, text: JSON.stringify(page ? withPaths(current, page.paths) : current) };
    return written.text;
  };
  const routes: OpsRoute[] = [
    {
      path: '/health',
      quiet: true,
      handle: () => Promise.resolve({ type: JSON_TYPE, body: '{"status":"ok"}' }),
    },
    {
      path: '/ready',
      quiet: true,
      handle() {
        // The session logs the reason when it goes down; an unauthenticated caller learns only that it is.
        if (notReady() !== undefined) return Promise.reject(new Refusal('service_unavailable', NOT_READY_DETAIL));
        const body = sessions ? { status: 'ready', xmpp_sessions: sessions() } : { status: 'ready' };
        return Promise.resolve({ type: JSON_TYPE, body: JSON.stringify(body) });
      },
    },
    {
      path: openApiPath(basePath),
      quiet: false,
      handle: () => Promise.resolve({ type: JSON_TYPE, body: document() }),
    },
  ];
  if (page) routes.push(...page.routes);
  if (metrics) {
    routes.push({
      path: '/metrics',
      quiet: true,
      handle: async () => ({ type: metrics.contentType, body: await metrics.text() }),
    });
  }
  return routes;
}
