// The operational routes: liveness, readiness, metrics, the OpenAPI
// document and the API page. None needs a key: load balancers and scrapers
// cannot send one, and the page asks its user for keys. Each declares its
// entry in the OpenAPI document beside its handler; the document served
// lists exactly the routes served.
import { Refusal } from '../contract/refusal.js';
import { docsRoutes } from './docs-routes.js';
import type { BridgeMetrics } from './metrics.js';
import { errorBody, jsonAnswer, openApiPath, opsPaths, withPaths, type DocumentedRoute } from './openapi.js';

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
  metrics: Pick<BridgeMetrics, 'contentType' | 'text'> | undefined;
  /** The OpenAPI document as it stands (it changes when the server's commands are learned again). */
  openApi: () => Record<string, unknown>;
  /** Serve the interactive API reference at <base_path>/docs (docs.enabled); off when not given. */
  docs?: boolean;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** /ready's 503 detail: the same for every reason, pointing at where the reason is. */
export const NOT_READY_DETAIL = "not ready: the XMPP session is down or the bridge is shutting down; the bridge's log says why";

const statusSchema = (status: string, more: Record<string, unknown> = {}) => ({
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: [status] }, ...more },
});
const SESSIONS_SCHEMA = {
  type: 'object',
  properties: { up: { type: 'integer' }, of: { type: 'integer' }, by_node: { type: 'array', items: { type: 'integer' } } },
};

export function opsRoutes({ basePath, notReady, sessions, metrics, openApi, docs = false }: OpsDeps): DocumentedRoute[] {
  // The document lists every route served, these among them; written out again only when it changed.
  let written: { from: Record<string, unknown>; text: string } | undefined;
  const document = (): string => {
    const current = openApi();
    if (written?.from !== current) written = { from: current, text: JSON.stringify(withPaths(current, opsPaths(routes))) };
    return written.text;
  };
  const routes: DocumentedRoute[] = [
    {
      path: '/health',
      quiet: true,
      handle: () => Promise.resolve({ type: JSON_TYPE, body: '{"status":"ok"}' }),
      operation: {
        operationId: 'health',
        summary: 'Liveness: the process is alive and serving HTTP',
        description: 'No key needed. Does not look at the XMPP session (see /ready).',
        responses: { '200': jsonAnswer('Alive', statusSchema('ok'), { status: 'ok' }) },
      },
    },
    {
      path: '/ready',
      quiet: true,
      operation: {
        operationId: 'ready',
        summary: 'Readiness: 200 only while the XMPP session is up',
        description:
          'No key needed. 503 while the bridge has no XMPP session (detail says why) or is shutting down. ' +
          'xmpp_sessions: how many of its own sessions are up, in all and per cluster node in the order of xmpp.service.',
        responses: {
          '200': jsonAnswer('Ready', statusSchema('ready', { xmpp_sessions: SESSIONS_SCHEMA }), { status: 'ready', xmpp_sessions: { up: 2, of: 2, by_node: [2] } }),
          '503': jsonAnswer('Not ready', errorBody(['service_unavailable'], 'detail says why'), {
            error: 'service_unavailable',
            detail: NOT_READY_DETAIL,
          }),
        },
      },
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
      operation: { operationId: 'openapi', summary: 'This document', responses: { '200': jsonAnswer('The OpenAPI 3.1 document', { type: 'object' }) } },
    },
  ];
  if (docs) routes.push(...docsRoutes(basePath));
  if (metrics) {
    routes.push({
      path: '/metrics',
      quiet: true,
      handle: async () => ({ type: metrics.contentType, body: await metrics.text() }),
      operation: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (text exposition format)',
        responses: {
          '200': {
            description: 'Metrics',
            content: {
              'text/plain': {
                schema: { type: 'string' },
                example: `# HELP ejabberd_restful_xmpp_session_up 1 while the bridge's XMPP session is up\n# TYPE ejabberd_restful_xmpp_session_up gauge\nejabberd_restful_xmpp_session_up 1\n`,
              },
            },
          },
        },
      },
    });
  }
  return routes;
}
