// Wires the parts together: configuration -> XMPP session -> accounts ->
// API modules -> HTTP listener; and takes them down again in order.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Accounts, type UserLogin } from './accounts/accounts.js';
import { FailedLoginBudget } from './accounts/failed-login-budget.js';
import { Refusal } from './accounts/refusal.js';
import type { ApiModule } from './api/module.js';
import { registerModule } from './api/register/module.js';
import type { BridgeConfig, Mount } from './config/config.js';
import { createApp } from './http/app.js';
import { withUserSession } from './xmpp/login.js';
import { XmppSession } from './xmpp/session.js';

export interface Bridge {
  /** Where the API is served, e.g. http://127.0.0.1:8088/api */
  url: string;
  session: XmppSession;
  /** Stops accepting, lets requests in flight finish within `graceMs`, closes the XMPP session. */
  close(graceMs?: number): Promise<void>;
}

export async function startBridge(config: BridgeConfig, log: Logger): Promise<Bridge> {
  const { xmpp } = config;
  const session = new XmppSession(
    {
      service: xmpp.service,
      username: xmpp.jid.local,
      domain: xmpp.jid.domain,
      password: xmpp.password,
      timeoutMs: xmpp.requestTimeoutMs,
      requestTimeoutMs: xmpp.requestTimeoutMs,
      reconnect: xmpp.reconnect,
    },
    log.child({ component: 'xmpp' }),
  );
  const loginAs: UserLogin = (account, password, work) =>
    withUserSession(
      {
        service: xmpp.service,
        username: account.username,
        domain: account.host,
        password,
        timeoutMs: xmpp.requestTimeoutMs,
      },
      work,
    );
  const failed = config.limits.failedLogins;
  const accounts = new Accounts({
    session,
    loginAs,
    budget: failed && new FailedLoginBudget(failed.max, failed.windowSeconds),
  });

  const app = createApp({
    basePath: config.basePath,
    bodyLimitBytes: config.limits.bodyBytes,
    log,
    mounts: config.api.map((mount) => ({
      path: mount.path,
      module: moduleFor(mount, { accounts, hosts: config.hosts }),
    })),
  });

  await session.start();
  const handle = app.callback();
  const server = createServer((req, res) => void handle(req, res));
  server.listen(config.listen.port, config.listen.host);
  await once(server, 'listening');
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}${config.basePath}`;
  log.info({ url, xmppUp: session.isUp }, 'listening');

  return {
    url,
    session,
    close: (graceMs = 10_000) => shutdown(server, session, graceMs, log),
  };
}

function moduleFor(mount: Mount, deps: { accounts: Accounts; hosts: string[] }): ApiModule {
  if (mount.module === 'register') return registerModule(mount, deps);
  // The admin module arrives with its own issue; until then it says so.
  return {
    routes: [
      {
        method: 'POST',
        path: '',
        summary: 'Run a server command (not yet available)',
        handle: () => Promise.reject(new Refusal('not_supported', 'the admin module is not implemented yet')),
      },
    ],
  };
}

async function shutdown(server: Server, session: XmppSession, graceMs: number, log: Logger): Promise<void> {
  log.info({ graceMs }, 'shutting down');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => {
    log.warn('grace period over; closing remaining connections');
    server.closeAllConnections();
  }, graceMs);
  await closed;
  clearTimeout(timer);
  await session.stop();
  log.info('stopped');
}
