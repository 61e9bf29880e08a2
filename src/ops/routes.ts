// The operational routes: liveness, readiness, metrics and the OpenAPI
// document. None needs a key: load balancers and scrapers cannot send one.
import { Refusal } from '../accounts/refusal.js';
import type { OpsRoute } from '../http/app.js';
import type { BridgeMetrics } from './metrics.js';
import { openApiPath } from './openapi.js';

export interface OpsDeps {
  basePath: string;
  /** Why the bridge cannot serve requests right now; undefined when it can. */
  notReady: () => string | undefined;
  /** Served on the main listener when given (else on its own listener, or not at all). */
  metrics: BridgeMetrics | undefined;
  openApi: Record<string, unknown>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export function opsRoutes({ basePath, notReady, metrics, openApi }: OpsDeps): OpsRoute[] {
  const document = JSON.stringify(openApi);
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
        const reason = notReady();
        if (reason !== undefined) return Promise.reject(new Refusal('service_unavailable', reason));
        return Promise.resolve({ type: JSON_TYPE, body: '{"status":"ready"}' });
      },
    },
    {
      path: openApiPath(basePath),
      quiet: false,
      handle: () => Promise.resolve({ type: JSON_TYPE, body: document }),
    },
  ];
  if (metrics) {
    routes.push({
      path: '/metrics',
      quiet: true,
      handle: async () => ({ type: metrics.contentType, body: await metrics.text() }),
    });
  }
  return routes;
}
