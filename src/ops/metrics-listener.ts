// A listener of its own for /metrics (metrics.listen), so that scrapes can
// be kept off the API's address.
import { createServer, type Server } from 'node:http';
import type { BridgeMetrics } from './metrics.js';

/** Serves GET /metrics and nothing else. */
export function metricsListener(metrics: Pick<BridgeMetrics, 'text' | 'contentType'>): Server {
  return createServer((req, res) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && req.url?.split('?')[0] === '/metrics') {
      metrics.text().then(
        (body) => {
          res.writeHead(200, { 'Content-Type': metrics.contentType });
          res.end(req.method === 'HEAD' ? undefined : body);
        },
        () => {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end('metrics unavailable\n');
        },
      );
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found: metrics are at /metrics\n');
  });
}
