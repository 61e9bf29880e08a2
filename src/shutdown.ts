// Taking the bridge down in order: stop accepting HTTP connections, let
// requests in flight finish (answers now carry Connection: close), and once
// they have, or the grace period is over, end user sessions and the XMPP
// sessions.
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { closeGracefully } from './http/listener.js';

/** How long shutdown waits for the XMPP server to close the stream. */
const STREAM_CLOSE_WAIT_MS = 2000;

export interface Running {
  server: Server;
  metricsServer: Server | undefined;
  /** Ends the XMPP sessions and every connection: requests in flight fail at once (504 for those already sent). */
  stopXmpp: () => Promise<void>;
  openUserSessions(): number;
}

export async function shutdown(running: Running, graceMs: number, log: Logger): Promise<void> {
  const { server, metricsServer, stopXmpp } = running;
  const http = closeGracefully(server, graceMs, () => {
    log.warn({ userSessions: running.openUserSessions() }, 'grace period over; ending requests still in flight');
    // Their callers still get an answer; connections that even then do not finish are cut.
    void stopXmpp();
  });
  // Logged once the listener is closed: whoever reads it may rely on that.
  log.info({ graceMs }, 'shutting down');
  const metricsClosed = metricsServer && new Promise<void>((resolve) => metricsServer.close(() => resolve()));
  metricsServer?.closeAllConnections();
  await http.closed;
  http.stop();
  // Closing the stream waits for the server's closing tag; a server that has
  // stopped answering must not hold the shutdown up.
  let cap: NodeJS.Timeout | undefined;
  await Promise.race([stopXmpp(), new Promise<void>((resolve) => (cap = setTimeout(resolve, STREAM_CLOSE_WAIT_MS)))]);
  clearTimeout(cap);
  await metricsClosed;
  log.info('stopped');
}
