// The systems under test, started together for one password storage, and
// how each of them does one operation:
//   K  a bare Koa app: the bridge's HTTP stack answering at once (the floor),
//   A  the bridge over HTTP (keep-alive),
//   B  a bare XMPP client sending the same IQs over as many sessions as the
//      bridge's pool (B1: over one session),
//   C  ejabberd's own mod_http_api (Cbasic: with HTTP Basic credentials).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startEjabberd, type ThrowawayEjabberd } from '../../test/harness/ejabberd.js';
import { readLastLogin } from '../../src/backends/ejabberd/commands.js';
import { accountExists } from '../../src/backends/ejabberd/account-probe.js';
import { registerAccount } from '../../src/xmpp/in-band-registration.js';
import { BareXmppClient } from './bare-xmpp.js';
import { startBenchBridge, startKoaBaseline, type BenchBridge, type BridgeBuild, type KoaBaseline } from './bridge-process.js';
import type { Storage, System } from './flags.js';
import { HttpTarget } from './http-client.js';
import type { Processes } from './measure.js';

export interface SystemsOptions {
  root: string;
  storage: Storage;
  /** Unique per run: account names and passwords carry it. */
  runTag: string;
  /** The mount's key the bridge is configured with. */
  key: string;
  sessions: number;
  bridges: number;
  logLevel: string;
  /** The compiled bridge and K; undefined: both run under tsx. */
  build: BridgeBuild | undefined;
  nproc: number;
  beamCpus?: string;
  /** Start K too (default true). */
  koa?: boolean;
  /** Start the bare XMPP clients (B, B1) too (default true). */
  bare?: boolean;
  cpuProfileDir?: string;
  heapSnapshotDir?: string;
}

export interface Systems {
  procs: Processes;
  server: ThrowawayEjabberd;
  bridges: BenchBridge[];
  koa: KoaBaseline | undefined;
  key: string;
  /** Every bridge's HTTP side; A's requests rotate over them. */
  bridgeHttp: HttpTarget[];
  bare: BareXmppClient | undefined;
  bareOne: BareXmppClient | undefined;
  api: HttpTarget;
  basicAuth: string;
  host: string;
  password: string;
  /** Accounts registered so far: the names is_registered asks about. */
  registered: string[];
  /** Registered accounts whose password is still `password`, for change_password. */
  unchanged: string[];
  /** The next bridge A's request goes to. */
  aNext: number;
}

export function bridgeConfig(server: ThrowawayEjabberd, options: { sessions: number; key: string; logLevel: string }): Record<string, unknown> {
  return {
    xmpp: {
      service: server.service,
      jid: server.adminJid,
      password: server.adminPassword,
      sessions: options.sessions,
      request_timeout_ms: 10_000,
    },
    hosts: server.hosts,
    api: [{ path: 'register', module: 'register', key: options.key }],
    // As ejabberd-restful.yml.example (ejabberd.yml.example exempts the bridge from mod_fail2ban).
    limits: { failed_logins: { server_guard: 'off' } },
    log: { level: options.logLevel },
  };
}

async function startServer(storage: Storage, beamCpus: string | undefined): Promise<{ server: ThrowawayEjabberd; beamPid: number; apiPort: number }> {
  let apiPort = 0;
  const server = await startEjabberd({
    edit: (config) => {
      if (storage === 'plain') config.auth_password_format = 'plain';
      const listeners = config.listen as Record<string, unknown>[];
      const http = listeners.find((l) => l.module === 'ejabberd_http');
      if (!http || typeof http.port !== 'number') throw new Error('ejabberd.yml.example has no ejabberd_http listener');
      apiPort = http.port;
      // The example's api_permissions let only an authenticated admin (from
      // loopback) run register/check_account. C is ejabberd's HTTP API at its
      // cheapest: callers on loopback run them without credentials
      // (--basic-auth measures the example's rule as it is, too).
      (config.api_permissions as Record<string, unknown>)['bench: loopback callers'] = {
        who: { ip: '127.0.0.1/8' },
        what: ['register', 'check_account'],
      };
    },
  });
  const beamPid = Number.parseInt(readFileSync(path.join(server.dir, 'ejabberd.pid'), 'utf8').trim(), 10);
  if (beamCpus !== undefined) execFileSync('taskset', ['-a', '-p', '-c', beamCpus, String(beamPid)], { stdio: 'ignore' });
  return { server, beamPid, apiPort };
}

export async function startSystems(o: SystemsOptions, progress: (line: string) => void): Promise<Systems> {
  progress(`starting ejabberd (${o.storage} password storage), ${o.bridges} bridge(s) with ${o.sessions} session(s) each${o.koa === false ? '' : ' and K'}`);
  const { server, beamPid, apiPort } = await startServer(o.storage, o.beamCpus);
  const bridges: BenchBridge[] = [];
  let koa: KoaBaseline | undefined;
  try {
    for (let i = 0; i < o.bridges; i += 1) {
      bridges.push(
        await startBenchBridge({
          root: o.root,
          config: bridgeConfig(server, o),
          sessions: o.sessions,
          ...(o.build ? { entry: o.build.entry } : {}),
          ...(o.cpuProfileDir ? { cpuProfileDir: o.cpuProfileDir } : {}),
          ...(o.heapSnapshotDir ? { heapSnapshotDir: o.heapSnapshotDir } : {}),
        }),
      );
    }
    if (o.koa !== false) koa = await startKoaBaseline(o.root, o.build?.koaEntry);
    const clientOptions = { service: server.service, host: server.host, username: 'admin', password: server.adminPassword };
    const withBare = o.bare !== false;
    const bare = withBare ? await BareXmppClient.open({ ...clientOptions, sessions: o.sessions * o.bridges }) : undefined;
    const bareOne = withBare && o.sessions * o.bridges > 1 ? await BareXmppClient.open({ ...clientOptions, sessions: 1 }) : undefined;
    return {
      procs: { storage: o.storage, bridgePids: bridges.map((b) => b.pid), koaPid: koa?.pid, beamPid, nproc: o.nproc },
      server,
      bridges,
      koa,
      key: o.key,
      bridgeHttp: bridges.map((b) => b.http),
      bare,
      bareOne,
      api: new HttpTarget(`http://127.0.0.1:${apiPort}`),
      basicAuth: `Basic ${Buffer.from(`${server.adminJid}:${server.adminPassword}`).toString('base64')}`,
      host: server.host,
      password: `pw-${o.runTag}`,
      registered: [],
      unchanged: [],
      aNext: 0,
    };
  } catch (error) {
    await Promise.all(bridges.map((b) => b.stop()));
    await koa?.stop();
    await server.stop();
    throw error;
  }
}

/** Stops everything; returns the CPU profiles the bridges wrote, if any. */
export async function stopSystems(s: Systems, progress: (line: string) => void): Promise<(string | undefined)[]> {
  progress('stopping');
  s.api.close();
  await s.bare?.close();
  await s.bareOne?.close();
  await s.koa?.stop();
  const profiles = await Promise.all(s.bridges.map((b) => b.stop()));
  await s.server.stop();
  return profiles;
}

/** Short, unique, nodeprep-clean account names. */
export function nameFactory(runTag: string, storage: Storage) {
  return (system: System, rep: number | string, level: number, i: number) =>
    `${runTag}${storage[0]}${system.toLowerCase()}${rep}l${level}n${i}`;
}

function bridgeOf(s: Systems): HttpTarget {
  s.aNext = (s.aNext + 1) % s.bridgeHttp.length;
  return s.bridgeHttp[s.aNext] as HttpTarget;
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} was not started`);
  return value;
}

function expectReply(reply: { status: number; text: string }, status: number, text: string, what: string): void {
  if (reply.status !== status || reply.text !== text) {
    throw new Error(`${what}: ${reply.status} ${reply.text.slice(0, 200)}`);
  }
}

/** `waitMs`: how long Kd waits before it answers. */
export async function registerVia(s: Systems, system: System, username: string, waitMs = 0): Promise<void> {
  const { host, password, key } = s;
  switch (system) {
    case 'K':
    case 'Kd': {
      // The same request the bridge gets; K keeps nothing.
      const headers: Record<string, string> = system === 'Kd' ? { 'X-Wait-Ms': String(waitMs) } : {};
      const reply = await need(s.koa, 'K').http.post('/api/register/register', { key, host, username, password }, headers);
      expectReply(reply, 200, '"ok"', `${system} register`);
      return;
    }
    case 'A':
      expectReply(await bridgeOf(s).post('/api/register/register', { key, host, username, password }), 200, '"ok"', 'bridge register');
      break;
    case 'B':
      await registerAccount(need(s.bare, 'B'), host, username, password);
      break;
    case 'B1':
      await registerAccount(need(s.bareOne, 'B1'), host, username, password);
      break;
    case 'C':
    case 'Cbasic': {
      const reply = await s.api.post(
        '/api/register',
        { user: username, host, password },
        system === 'Cbasic' ? { authorization: s.basicAuth } : {},
      );
      if (reply.status !== 200) throw new Error(`mod_http_api register: ${reply.status} ${reply.text.slice(0, 200)}`);
      break;
    }
  }
  s.registered.push(username);
  s.unchanged.push(username);
}

/** The bridge's is_registered (src/accounts/accounts.ts), IQ for IQ. */
async function bareIsRegistered(client: BareXmppClient, host: string, jid: string): Promise<boolean> {
  const last = await readLastLogin(client, host, jid);
  if (last.kind !== 'never') return true;
  return accountExists(client, host, jid);
}

export async function isRegisteredVia(s: Systems, system: System, username: string): Promise<void> {
  const { host, key } = s;
  const query = `/api/register/is_registered?key=${key}&host=${encodeURIComponent(host)}&username=${encodeURIComponent(username)}`;
  switch (system) {
    case 'K':
      expectReply(await need(s.koa, 'K').http.get(query), 200, 'true', 'K is_registered');
      break;
    case 'A':
      expectReply(await bridgeOf(s).get(query), 200, 'true', 'bridge is_registered');
      break;
    case 'B':
    case 'B1':
      if (!(await bareIsRegistered(need(system === 'B' ? s.bare : s.bareOne, system), host, `${username}@${host}`))) {
        throw new Error(`bare client: ${username} not registered`);
      }
      break;
    case 'C':
    case 'Cbasic':
      expectReply(
        await s.api.post('/api/check_account', { user: username, host }, system === 'Cbasic' ? { authorization: s.basicAuth } : {}),
        200,
        '0',
        'mod_http_api check_account',
      );
      break;
  }
}

export async function changePasswordViaBridge(s: Systems, username: string): Promise<void> {
  const reply = await bridgeOf(s).post('/api/register/change_password', {
    key: s.key,
    host: s.host,
    username,
    old_password: s.password,
    new_password: `${s.password}-2`,
  });
  expectReply(reply, 200, '"ok"', 'bridge change_password');
}
