// The HTTP listener: Node's server with the bridge's timeout policy, bound
// to its address, and closed gracefully (stop accepting, let requests in
// flight finish within a grace period, then cut what is left).
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A server for `handle` that gives a client `requestReceiveMs` to send a
 * whole request: one that trickles its request in must not hold a
 * connection for Node's default 300 s.
 */
export function httpListener(handle: (req: IncomingMessage, res: ServerResponse) => void, requestReceiveMs: number): Server {
  const server = createServer(
    // Node checks request deadlines on this interval (30 s by default), so it must be shorter than the deadline.
    { connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(requestReceiveMs / 4))) },
    handle,
  );
  server.requestTimeout = requestReceiveMs;
  server.headersTimeout = Math.min(server.headersTimeout, requestReceiveMs);
  return server;
}

/** Listens and answers the origin, e.g. http://127.0.0.1:8088. */
export async function listen(server: Server, { host, port }: { host: string; port: number }): Promise<string> {
  server.listen(port, host);
  await once(server, 'listening');
  const { address, port: bound } = server.address() as AddressInfo;
  return `http://${address.includes(':') ? `[${address}]` : address}:${bound}`;
}

export interface GracefulClose {
  /** Resolves once the listener has stopped accepting (every connection closed). */
  closed: Promise<void>;
  /** Ends the wait: the grace period is over (or everything is done). */
  stop(): void;
}

/**
 * Stops accepting connections and closes idle ones; answers in flight may
 * finish (the app marks them Connection: close). When `graceMs` runs out
 * first, `graceOver` runs (it should make requests in flight fail fast) and
 * a second later the connections still open are cut.
 */
export function closeGracefully(server: Server, graceMs: number, graceOver: () => void): GracefulClose {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let backstop: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    graceOver();
    backstop = setTimeout(() => server.closeAllConnections(), 1000);
  }, graceMs);
  return {
    closed,
    stop() {
      clearTimeout(timer);
      clearTimeout(backstop);
    },
  };
}
