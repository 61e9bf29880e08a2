// Wires the parts together: configuration -> XMPP session -> accounts ->
// API modules -> HTTP listener (plus health, metrics, OpenAPI); and takes
// them down again in order.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Accounts } from './accounts/accounts.js';
import { AdminLogin } from './admin/login.js';
import { ServerCommands } from './admin/server-commands.js';
import type { UserLogin } from './backends/backend.js';
import { LoginLimits } from './limits/login-limits.js';
import { openSharedState } from './shared/shared-state.js';
import { ProtectedAccounts } from './accounts/protected-accounts.js';
import { ServerCapabilities } from './admin/capabilities.js';
import { ServerBackends } from './backends/selector.js';
import { adminModule, type AdminDeps } from './api/admin/module.js';
import type { ApiModule } from './api/module.js';
import { registerModule } from './api/register/module.js';
import type { BridgeConfig, Mount } from './config/config.js';
import { createApp } from './http/app.js';
import { BridgeMetrics } from './ops/metrics.js';
import { openApiDocument } from './ops/openapi.js';
import { recordingObserver } from './http/request-context.js';
import { opsRoutes } from './ops/routes.js';
import { VERSION } from './ops/version.js';
import { CLUSTER_SETTLE_MS, Connector } from './xmpp/connector.js';
import { LoginRefused } from './xmpp/errors.js';
import { InFlightLimit } from './xmpp/in-flight-limit.js';
import { withUserSession } from './xmpp/login.js';
import { SessionPool } from './xmpp/session-pool.js';
import type { TlsSettings } from './xmpp/tls.js';

export interface Bridge {
  /** Where the API is served, e.g. http://127.0.0.1:8088/api */
  url: string;
  session: SessionPool;
  /** Where /metrics is served when it has a listener of its own. */
  metricsUrl: string | undefined;
  /** Every route the HTTP listener serves, as "METHOD /path". */
  routes: string[];
  /**
   * Stops accepting, lets requests in flight finish within `graceMs` (default:
   * shutdown.grace_period_ms), then ends user sessions and closes the XMPP session.
   */
  close(graceMs?: number): Promise<void>;
}

export async function startBridge(config: BridgeConfig, log: Logger): Promise<Bridge> {
  const { xmpp } = config;
  log.info(
    {
      version: VERSION,
      node: process.version,
      xmpp: {
        services: xmpp.services,
        jid: `${xmpp.jid.local}@${xmpp.jid.domain}`,
        sessions: xmpp.sessions,
        customCa: xmpp.tls.ca !== undefined,
      },
      hosts: config.hosts,
      mounts: config.api.map((m) => `${config.basePath}/${m.path} (${m.module}${m.key === undefined ? '' : ', keyed'})`),
      metrics: !config.metrics.enabled ? 'off' : config.metrics.listen ? 'own listener' : 'main listener',
      cors: config.cors?.allowedOrigins ?? 'off',
      gracePeriodMs: config.shutdown.gracePeriodMs,
    },
    'starting',
  );
  const tls: TlsSettings = {
    ca: xmpp.tls.ca === undefined ? undefined : [xmpp.tls.ca],
    serverName: xmpp.tls.serverName,
    rejectUnauthorized: xmpp.tls.rejectUnauthorized,
  };
  // Metrics and the access log hear of every XMPP exchange; metrics exist once the session does.
  let metrics: BridgeMetrics | undefined;
  const observer = recordingObserver({ exchange: (...args) => metrics?.exchange(...args) });
  const xmppLog = log.child({ component: 'xmpp' });
  // Every connection, the admin session's and each user login's; ended together at shutdown.
  const connector = new Connector({ services: xmpp.services, tls, timeoutMs: xmpp.requestTimeoutMs, log: xmppLog });
  const inFlight = config.limits.xmppInFlight;
  const limit = new InFlightLimit({ max: inFlight.max, queue: inFlight.queue, waitMs: inFlight.queueWaitMs });
  let draining = false;

  // The bridge's own sessions (xmpp.sessions of them), least-loaded first.
  const session = new SessionPool(
    {
      size: xmpp.sessions,
      services: xmpp.services,
      credentials: { username: xmpp.jid.local, domain: xmpp.jid.domain, password: xmpp.password },
      requestTimeoutMs: xmpp.requestTimeoutMs,
      reconnect: xmpp.reconnect,
      keepalive: xmpp.keepalive,
    },
    { connector, limit, log: xmppLog, observer },
  );
  let userSessionsOpen = 0;
  if (config.metrics.enabled) metrics = new BridgeMetrics({ session, userSessionsOpen: () => userSessionsOpen, limit });
  // A user login takes a slot of the in-flight bound like an IQ does.
  const loginOnce: UserLogin = (account, password, work) =>
    limit.run(async () => {
      userSessionsOpen += 1;
      try {
        return await withUserSession(
          connector,
          { username: account.username, domain: account.host, password },
          work,
          { observer, requestTimeoutMs: xmpp.requestTimeoutMs },
        );
      } finally {
        userSessionsOpen -= 1;
      }
    });
  // In a cluster, a node applies another node's registration or password
  // change a few ms after that node answered: a refused login is tried once
  // more (the connector starts with another node) before it counts as a
  // wrong password.
  const loginAs: UserLogin =
    xmpp.services.length < 2
      ? loginOnce
      : async (account, password, work) => {
          try {
            return await loginOnce(account, password, work);
          } catch (error) {
            if (!(error instanceof LoginRefused && error.condition === 'not-authorized')) throw error;
            await new Promise((resolve) => setTimeout(resolve, CLUSTER_SETTLE_MS));
            return loginOnce(account, password, work);
          }
        };
  const failed = config.limits.failedLogins;
  // One set of limits for every password check made on a caller's behalf (register module and admin Basic auth).
  // Counts and credential revocations shared with other instances through limits.store (else kept in this process).
  const shared = openSharedState(config.limits.store, log.child({ component: 'limits' }));
  const limits = new LoginLimits({ ...failed, store: shared.store });
  if (failed.serverGuard) {
    log.warn(
      { serverGuard: failed.serverGuard },
      'limits.failed_logins.server_guard is on: after that many failed logins in all, every password check answers 429 ' +
        "until the window passes. It keeps mod_fail2ban from banning the bridge's address; exempt that address in ejabberd " +
        '(mod_fail2ban access, as ejabberd.yml.example does) and set server_guard: off',
    );
  }
  const protectedAccounts = new ProtectedAccounts(config.protectedAccounts);
  // Which server back end serves the connected server (xmpp.server, or asked of the server on every (re)connect).
  const backends = new ServerBackends({ choice: xmpp.server, host: xmpp.jid.domain, deps: { session, loginAs, limits } });
  backends.on('identified', (identified) => {
    if (identified.by === 'default') {
      xmppLog.warn(identified, `the XMPP server did not say it is one of the servers the bridge knows; using the ${identified.kind} back end (set xmpp.server to choose)`);
    } else {
      xmppLog.info(identified, 'xmpp server back end chosen');
    }
  });
  const { revocations } = shared;
  const accounts = new Accounts({ session, loginAs, limits, protectedAccounts, backends, revocations });
  // Which ad-hoc commands the server offers the bridge, listed again on every (re)connect (after the back end is known).
  const capabilities = new ServerCapabilities(session, config.hosts);
  session.on('up', () => void backends.refresh().then(() => capabilities.refresh()));
  capabilities.on('discovered', () => xmppLog.debug('xmpp capabilities listed'));
  const admin: AdminDeps = {
    server: new ServerCommands({ session, accounts, capabilities, backends, hosts: config.hosts, protectedAccounts, revocations }),
    adminLogin: new AdminLogin({ loginAs, limits, hosts: config.hosts }),
    revocations,
    capabilities,
    hosts: config.hosts,
    log,
  };

  const metricsOnMain = metrics !== undefined && config.metrics.listen === undefined;
  const { app, routes } = createApp({
    basePath: config.basePath,
    bodyLimitBytes: config.limits.bodyBytes,
    trustedProxies: config.trustedProxies,
    log,
    mounts: config.api.map((mount) => ({
      path: mount.path,
      module: moduleFor(mount, { accounts, hosts: config.hosts, admin }),
    })),
    ops: opsRoutes({
      basePath: config.basePath,
      notReady: () => (draining ? 'the bridge is shutting down' : (session.downReason ?? shared.downReason)),
      sessions: () => ({ up: session.upCount, of: session.size, by_node: [...session.upByService.values()] }),
      metrics: metricsOnMain ? metrics : undefined,
      openApi: openApiDocument({ basePath: config.basePath, mounts: config.api, metricsOnMain }),
      docs: config.docs.enabled,
    }),
    http: metrics,
    cors: config.cors,
    draining: () => draining,
  });

  // HTTP first, so /health answers while the first XMPP attempt runs.
  const handle = app.callback();
  const server = createServer(
    // Node checks request deadlines on this interval (30 s by default), so it must be shorter than the deadline.
    { connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(config.limits.requestReceiveMs / 4))) },
    (req, res) => void handle(req, res),
  );
  // A client that trickles its request in must not hold a connection for Node's default 300 s.
  server.requestTimeout = config.limits.requestReceiveMs;
  server.headersTimeout = Math.min(server.headersTimeout, config.limits.requestReceiveMs);
  const url = `${await listen(server, config.listen)}${config.basePath}`;
  let metricsServer: Server | undefined;
  let metricsUrl: string | undefined;
  if (metrics && config.metrics.listen) {
    metricsServer = metricsListener(metrics);
    metricsUrl = `${await listen(metricsServer, config.metrics.listen)}/metrics`;
    log.info({ url: metricsUrl }, 'metrics listening');
  }
  await session.start();
  // Requests wait for the server to say what it is (xmpp.server: auto): asked at 'up', awaited before 'listening'.
  if (session.isUp) await backends.current().catch(() => undefined);
  log.info({ url, xmppUp: session.isUp, routes }, 'listening');

  return {
    url,
    session,
    metricsUrl,
    routes,
    close: (graceMs = config.shutdown.gracePeriodMs) => {
      draining = true;
      return shutdown({ server, metricsServer, session, connector, openUserSessions: () => userSessionsOpen }, graceMs, log).finally(() =>
        shared.close(),
      );
    },
  };
}

/** Listens and answers the origin, e.g. http://127.0.0.1:8088. */
async function listen(server: Server, { host, port }: { host: string; port: number }): Promise<string> {
  server.listen(port, host);
  await once(server, 'listening');
  const { address, port: bound } = server.address() as AddressInfo;
  return `http://${address.includes(':') ? `[${address}]` : address}:${bound}`;
}

/** A listener of its own that serves GET /metrics and nothing else. */
function metricsListener(metrics: BridgeMetrics): Server {
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

function moduleFor(mount: Mount, deps: { accounts: Accounts; hosts: string[]; admin: AdminDeps }): ApiModule {
  return mount.module === 'register' ? registerModule(mount, deps) : adminModule(mount, deps.admin);
}

/** How long shutdown waits for the XMPP server to close the stream. */
const STREAM_CLOSE_WAIT_MS = 2000;

interface Running {
  server: Server;
  metricsServer: Server | undefined;
  session: SessionPool;
  connector: Connector;
  openUserSessions(): number;
}

/**
 * Stops accepting connections, lets requests in flight finish (answers now
 * carry Connection: close), and once they have, or the grace period is over,
 * ends user sessions and the XMPP session.
 */
async function shutdown(running: Running, graceMs: number, log: Logger): Promise<void> {
  const { server, metricsServer, session, connector } = running;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Logged once the listener is closed: whoever reads it may rely on that.
  log.info({ graceMs }, 'shutting down');
  server.closeIdleConnections();
  const metricsClosed = metricsServer && new Promise<void>((resolve) => metricsServer.close(() => resolve()));
  metricsServer?.closeAllConnections();
  let backstop: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    log.warn({ userSessions: running.openUserSessions() }, 'grace period over; ending requests still in flight');
    // XMPP requests in flight fail at once, so their callers still get an answer
    // (504 for those already sent, whose outcome is unknown)...
    void session.stop();
    void connector.closeAll('the bridge is shutting down');
    // ...and connections that even then do not finish are cut.
    backstop = setTimeout(() => server.closeAllConnections(), 1000);
  }, graceMs);
  await closed;
  clearTimeout(timer);
  clearTimeout(backstop);
  // Closing the stream waits for the server's closing tag; a server that has
  // stopped answering must not hold the shutdown up.
  let cap: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all([session.stop(), connector.closeAll('the bridge is shutting down')]),
    new Promise<void>((resolve) => (cap = setTimeout(resolve, STREAM_CLOSE_WAIT_MS))),
  ]);
  clearTimeout(cap);
  await metricsClosed;
  log.info('stopped');
}
