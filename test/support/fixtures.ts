// Shared set-up for integration tests: a throwaway ejabberd plus a bridge
// process configured against it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ThrowawayEjabberd } from '../../src/dev/ejabberd.js';

export const KEY = 'test-key-8f3a1c';

/** A bridge config for `server`, with a keyed register mount; `extra` is merged on top. */
export function bridgeConfig(server: ThrowawayEjabberd, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    xmpp: {
      service: server.service,
      jid: server.adminJid,
      password: server.adminPassword,
      request_timeout_ms: 5000,
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
    log: { level: 'debug' },
    ...extra,
  };
}

/** The pid of ejabberd's Erlang VM, for freezing (SIGSTOP) or killing it in fault tests. */
export function beamPid(server: ThrowawayEjabberd): number {
  return Number.parseInt(readFileSync(path.join(server.dir, 'ejabberd.pid'), 'utf8').trim(), 10);
}

let counter = 0;
/** A fresh user name per call, so tests never depend on each other's accounts. */
export function uniqueName(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${process.pid}x${counter}`;
}
