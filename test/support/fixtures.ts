// Shared set-up for integration tests: a throwaway ejabberd plus a bridge
// process configured against it.
import { readFileSync } from 'node:fs';
import type { ThrowawayEjabberd } from '../harness/ejabberd.js';
import type { ThrowawayServer } from '../harness/throwaway-server.js';
import { LoginRefused } from '../../src/contract/xmpp-failures.js';
import type { Credentials } from '../../src/xmpp/connect.js';
import { Connector } from '../../src/xmpp/connector.js';
import { withUserSession, type UserSession } from '../../src/xmpp/login.js';

export const KEY = 'test-key-8f3a1c';

/** A bridge config for `server`, with a keyed register mount; `extra` is merged on top. */
export function bridgeConfig(
  server: Pick<ThrowawayServer, 'service' | 'adminJid' | 'adminPassword' | 'hosts'>,
  extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    xmpp: {
      service: server.service,
      jid: server.adminJid,
      password: server.adminPassword,
      request_timeout_ms: 5000,
      // One session: fault tests count its ups and downs (pool.test.ts tests several).
      sessions: 1,
      reconnect: { initial_delay_ms: 100, max_delay_ms: 1000 },
    },
    hosts: server.hosts,
    api: [
      { path: 'register', module: 'register', key: KEY },
      // The same module a second time, with the e-mail hook.
      { path: 'signup', module: 'register', key: KEY, hooks: ['private_email'] },
      // A register mount without a key refuses everything.
      { path: 'open', module: 'register' },
    ],
    // ejabberd.yml.example exempts the bridge from mod_fail2ban, as deployments should.
    limits: { failed_logins: { server_guard: 'off' } },
    log: { level: 'debug' },
    ...extra,
  };
}

/** The pid of ejabberd's Erlang VM, for freezing (SIGSTOP) or killing it in fault tests. */
export function beamPid(server: ThrowawayEjabberd): number {
  return Number.parseInt(readFileSync(server.pidFile, 'utf8').trim(), 10);
}

let counter = 0;
/** A fresh user name per call, so tests never depend on each other's accounts. */
export function uniqueName(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${process.pid}x${counter}`;
}

/** Whether `server` accepts this login (checked with the bridge's own SASL). */
export async function canLogIn(server: Pick<ThrowawayServer, 'service' | 'host'>, username: string, password: string, host = server.host): Promise<boolean> {
  try {
    await asUser(server.service, { username, domain: host, password }, () => Promise.resolve());
    return true;
  } catch (error) {
    if (error instanceof LoginRefused) return false;
    throw error;
  }
}

/** Logs in as a user on a connection of the test's own (the bridge's SASL and lifecycle), runs `work`, logs out. */
export function asUser<T = void>(
  service: string,
  credentials: Credentials,
  work: (session: UserSession) => Promise<T> = () => Promise.resolve(undefined as T),
): Promise<T> {
  return withUserSession(new Connector({ services: [service], timeoutMs: 5000 }), credentials, work, { requestTimeoutMs: 5000 });
}

/** Lets a server a test froze (SIGSTOP) run again; nothing if it is not frozen or is gone. */
export function thaw(server: ThrowawayEjabberd): void {
  try {
    process.kill(beamPid(server), 'SIGCONT');
  } catch {
    // not running any more
  }
}
