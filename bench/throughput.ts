// Throughput of the bridge end to end (HTTP -> bridge -> ejabberd) against
// the ceiling of the same XMPP work sent directly over one session, at
// several concurrency levels. Prints figures and ratios; asserts nothing.
// Run: npx tsx bench/throughput.ts [operationsPerLevel] [--plain]
// --plain stores passwords in plain text instead of ejabberd.yml.example's
// SCRAM-SHA-256 hashes, which ejabberd derives (PBKDF2) on every registration.
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { startEjabberd } from '../src/dev/ejabberd.js';
import { createConnection } from '../src/xmpp/connect.js';
import { IqChannel } from '../src/xmpp/iq-channel.js';
import { registerAccount } from '../src/xmpp/in-band-registration.js';
import { startBridgeProcess } from '../test/support/bridge-process.js';
import { bridgeConfig, KEY } from '../test/support/fixtures.js';

const OPERATIONS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 400);
const PLAIN = process.argv.includes('--plain');
const LEVELS = [1, 8, 64];

/** Runs `total` operations with `concurrency` in flight; returns operations per second. */
async function rate(total: number, concurrency: number, operation: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await operation(next++);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

const server = await startEjabberd({
  edit: (config) => {
    if (PLAIN) config.auth_password_format = 'plain';
  },
});
const bridge = await startBridgeProcess(
  bridgeConfig(server, { log: { level: 'info' }, limits: { failed_logins: { max: 'unlimited', window_seconds: 1 } } }),
);
const direct = createConnection({
  service: server.service,
  domain: server.host,
  username: 'admin',
  password: server.adminPassword,
  timeoutMs: 10_000,
});
direct.entity.on('error', () => undefined);
await direct.entity.start();
const channel = new IqChannel(direct.entity);
const run = randomBytes(3).toString('hex');

try {
  const rows: string[] = [];
  for (const level of LEVELS) {
    const viaXmpp = await rate(OPERATIONS, level, async (i) => {
      await registerAccount({ request: (iq) => channel.request(iq, 10_000) }, server.host, `d${run}l${level}n${i}`, 'pw');
    });
    const viaBridge = await rate(OPERATIONS, level, async (i) => {
      const reply = await bridge.post('/api/register/register', { key: KEY, host: server.host, username: `b${run}l${level}n${i}`, password: 'pw' });
      if (reply.text !== '"ok"') throw new Error(`unexpected answer ${reply.status} ${reply.text}`);
    });
    const logins = Math.max(8, Math.floor(OPERATIONS / 8));
    const passwordChanges = await rate(logins, Math.min(level, 8), async (i) => {
      const username = `b${run}l${level}n${i}`;
      const reply = await bridge.post('/api/register/change_password', { key: KEY, host: server.host, username, old_password: 'pw', new_password: 'pw2' });
      if (reply.text !== '"ok"') throw new Error(`unexpected answer ${reply.status} ${reply.text}`);
    });
    rows.push(
      `| ${level} | ${viaXmpp.toFixed(0)} | ${viaBridge.toFixed(0)} | ${(viaBridge / viaXmpp).toFixed(2)} | ${passwordChanges.toFixed(1)} (${Math.min(level, 8)} in flight) |`,
    );
  }
  process.stdout.write(
    [
      `ejabberd ${server.service} (${PLAIN ? 'plain' : 'SCRAM-SHA-256'} password storage), ${OPERATIONS} registrations per level (ops/s)`,
      '| in flight | XEP-0077 direct, one session | via the bridge (HTTP) | bridge / direct | change_password via the bridge (login + change) |',
      '|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
} finally {
  channel.close('benchmark done');
  await direct.entity.stop().catch(() => undefined);
  await bridge.stop();
  await server.stop();
}
