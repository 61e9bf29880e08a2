// The composition root: configuration -> XMPP sessions and user logins ->
// limits and shared state -> back ends -> accounts and admin commands ->
// API modules -> HTTP listener (plus health, metrics, OpenAPI). It only
// wires; each part's behaviour is in its own module, and shutdown is
// ./shutdown.ts.
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { Accounts } from './accounts/accounts.js';
import { ProtectedAccounts } from './accounts/protected-accounts.js';
import { ApiCommands } from './admin/api-commands.js';
import { ServerCapabilities } from './admin/capabilities.js';
import { AdminLogin } from './admin/login.js';
import { ServerCommands } from './admin/server-commands.js';
import { adminModule, type AdminDeps } from './api/admin/module.js';
import type { ApiModule } from './api/module.js';
import { registerModule } from './api/register/module.js';
import { identificationNotice, ServerBackends } from './backends/selector.js';
import type { BridgeConfig, Mount } from './config/config.js';
import { configWarnings, startupSummary } from './config/startup.js';
import { createApp } from './http/app.js';
import { httpListener, listen } from './http/listener.js';
import { recordingObserver } from './http/request-context.js';
import { LoginLimits } from './limits/login-limits.js';
import { metricsListener } from './ops/metrics-listener.js';
import { BridgeMetrics } from './ops/metrics.js';
import { liveOpenApi } from './ops/live-openapi.js';
import { opsRoutes } from './ops/routes.js';
import { VERSION } from './ops/version.js';
import { openSharedState } from './shared/shared-state.js';
import { shutdown } from './shutdown.js';
import { Connector } from './xmpp/connector.js';
import { InFlightLimit } from './xmpp/in-flight-limit.js';
import { SessionPool } from './xmpp/session-pool.js';
import { UserLogins } from './xmpp/user-logins.js';

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
  const { xmpp, hosts } = config;
  log.info({ version: VERSION, node: process.version, ...startupSummary(config) }, 'starting');
  for (const { fields, message } of configWarnings(config)) log.warn(fields, message);
  let draining = false;

  // XMPP: every connection (admin sessions and user logins) through one connector, under one in-flight bound.
  const xmppLog = log.child({ component: 'xmpp' });
  const metrics = config.metrics.enabled ? new BridgeMetrics() : undefined;
  // Metrics and the access log hear of every XMPP exchange.
  const observer = recordingObserver(metrics);
  const { tls } = xmpp;
  const connector = new Connector({
    services: xmpp.services,
    tls: { ca: tls.ca === undefined ? undefined : [tls.ca], serverName: tls.serverName, rejectUnauthorized: tls.rejectUnauthorized },
    timeoutMs: xmpp.requestTimeoutMs,
    log: xmppLog,
  });
  const { max, queue, queueWaitMs } = config.limits.xmppInFlight;
  const limit = new InFlightLimit({ max, queue, waitMs: queueWaitMs });
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
  const logins = new UserLogins({ connector, limit, observer, requestTimeoutMs: xmpp.requestTimeoutMs, cluster: xmpp.services.length > 1 });
  const { loginAs } = logins;
  metrics?.watch({ session, userSessionsOpen: () => logins.open, limit });

  // Policy: one set of login limits for every password check made on a caller's behalf; counts and
  // credential revocations shared with other instances through limits.store (else kept in this process).
  const shared = openSharedState(config.limits.store, log.child({ component: 'limits' }));
  const { revocations } = shared;
  const limits = new LoginLimits({ ...config.limits.failedLogins, store: shared.store });
  const protectedAccounts = new ProtectedAccounts(config.protectedAccounts);

  // The connected server's back end and the commands it offers, asked again on every (re)connect.
  const backends = new ServerBackends({ choice: xmpp.server, host: xmpp.jid.domain, deps: { session, loginAs, limits } });
  backends.on('identified', (identified) => {
    const { level, message } = identificationNotice(identified);
    xmppLog[level](identified, message);
  });
  const capabilities = new ServerCapabilities(session, hosts);
  capabilities.on('discovered', () => xmppLog.debug('xmpp capabilities listed'));
  session.on('up', () => void backends.refresh().then(() => capabilities.refresh()));

  const accounts = new Accounts({ session, loginAs, limits, protectedAccounts, backends, revocations });
  // Every other command by name (ejabberd 25.03+ with mod_adhoc_api), learned on every (re)connect.
  const apiCommands = new ApiCommands({
    session,
    capabilities,
    hosts,
    protectedAccounts,
    revocations,
    learnOnConnect: config.api.some((mount) => mount.module === 'admin'),
  });
  const admin: AdminDeps = {
    server: new ServerCommands({ session, accounts, capabilities, backends, hosts, protectedAccounts, revocations }),
    adminLogin: new AdminLogin({ loginAs, limits, hosts }),
    revocations,
    capabilities,
    apiCommands,
    hosts,
    log,
  };

  // HTTP: the API modules under their mounts, and the operational routes.
  const metricsOnMain = metrics !== undefined && config.metrics.listen === undefined;
  const { app, routes } = createApp({
    basePath: config.basePath,
    bodyLimitBytes: config.limits.bodyBytes,
    trustedProxies: config.trustedProxies,
    log,
    mounts: config.api.map((mount) => ({ path: mount.path, module: moduleFor(mount, { accounts, hosts, admin }) })),
    ops: opsRoutes({
      basePath: config.basePath,
      notReady: () => (draining ? 'the bridge is shutting down' : (session.downReason ?? shared.downReason)),
      sessions: () => ({ up: session.upCount, of: session.size, by_node: [...session.upByService.values()] }),
      metrics: metricsOnMain ? metrics : undefined,
      openApi: liveOpenApi({ basePath: config.basePath, mounts: config.api }, apiCommands),
      docs: config.docs.enabled,
    }),
    http: metrics,
    cors: config.cors,
    draining: () => draining,
  });

  // HTTP first, so /health answers while the first XMPP attempt runs.
  const handle = app.callback();
  const server = httpListener((req, res) => void handle(req, res), config.limits.requestReceiveMs);
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

  const stopXmpp = async () => {
    await Promise.all([session.stop(), connector.closeAll('the bridge is shutting down')]);
  };
  return {
    url,
    session,
    metricsUrl,
    routes,
    close: (graceMs = config.shutdown.gracePeriodMs) => {
      draining = true;
      return shutdown({ server, metricsServer, stopXmpp, openUserSessions: () => logins.open }, graceMs, log).finally(() => shared.close());
    },
  };
}

function moduleFor(mount: Mount, deps: { accounts: Accounts; hosts: readonly string[]; admin: AdminDeps }): ApiModule {
  return mount.module === 'register' ? registerModule(mount, deps) : adminModule(mount, deps.admin);
}
