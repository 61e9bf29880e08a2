// npm run bench [-- flags]: what the bridge costs, measured against the same
// work without it. One run starts a throwaway ejabberd (src/dev/ejabberd.ts,
// ejabberd.yml.example) per password storage and the bridge as a real process,
// then, interleaved within each repetition (order rotated), measures
//   A  the bridge over HTTP (keep-alive),
//   B  a bare XMPP client sending the same IQs over as many sessions as the
//      bridge's pool (B1: over one session, at the highest level),
//   C  ejabberd's own mod_http_api (POST /api/register, /api/check_account),
// at several requests in flight, for register and is_registered, plus
// change_password through the bridge. It prints ops/s, latency, CPU per
// operation of the bridge and of ejabberd's VM, the bridge's RSS, the load
// generator's own CPU and the ratios A/B and A/C, and writes all of it as
// JSON under bench/results/. Figures only: nothing is asserted.
// Modes: --profile (CPU profile of the bridge under register load),
// --soak (the bridge's RSS over 100k requests). --help lists every flag.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEjabberd, type ThrowawayEjabberd } from '../src/dev/ejabberd.js';
import { readLastLogin } from '../src/backends/ejabberd/commands.js';
import { accountExists } from '../src/backends/ejabberd/account-probe.js';
import { registerAccount } from '../src/xmpp/in-band-registration.js';
import { BareXmppClient } from './lib/bare-xmpp.js';
import { BUILD_DIR, buildBridge, startBenchBridge, type BenchBridge, type BridgeBuild } from './lib/bridge-process.js';
import { summarizeCpuProfile, type ProfileSummary } from './lib/cpu-profile.js';
import { HttpTarget } from './lib/http-client.js';
import { cpuBetween, machineBusyNs, machineInfo, readCpu, rssBytes, type CpuReading } from './lib/proc.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KEY = `bench-key-${randomBytes(6).toString('hex')}`;

const USAGE = `usage: npm run bench -- [flags]     (default: ~2 min on 2 quiet cores)
  --quick               2 repetitions, half the operations (~1.3 min)
  --smoke               SCRAM only, 8 in flight, a handful of operations (~10 s)
  --reps N              repetitions (default 3)
  --sessions N          the bridge's xmpp.sessions and B's sessions (default 4)
  --bridges N           bridge processes sharing A's load (default 1); B gets N x sessions
  --levels 1,8,64       requests in flight
  --storage scram,plain ejabberd password storage(s)
  --op register,is_registered,change_password
  --scale X             multiply every operation count by X
  --log-level L         the bridge's log level (default warn)
  --tsx                 run the bridge's src/cli.ts under tsx instead of compiling it
                        (tsc -p tsconfig.build.json into ${BUILD_DIR}) and running that
  --wait-quiet S        first wait up to S s for the machine to be quiet (other
                        processes using < 25 % of all cores for 6 s); measure again
                        (up to twice, after such a wait) what others disturbed (> 15 %)
  --max-seconds S       stop a measurement after S s (once 2x its level are done; default 2.5)
  --beam-cpus LIST      pin ejabberd's VM to these CPUs (taskset -c LIST), e.g. 0
  --basic-auth          also measure C with HTTP Basic credentials (the example
                        config's api_permissions as they are) at the top level
  --out FILE            where to write the JSON (default bench/results/<time>.json)
  --profile             CPU profile of the bridge (node --cpu-prof) under register
                        load at the top level, A only; top 15 by self time
  --profile-ops N       registrations in --profile (default 2000 SCRAM, 10000 plain)
  --soak                the bridge's RSS every 10k requests (register + is_registered,
                        64 in flight, plain storage unless --storage), A only
  --soak-requests N     default 100000`;

type Storage = 'scram' | 'plain';
type Op = 'register' | 'is_registered' | 'change_password';
/** --soak alternates the two. */
type Mix = 'register+is_registered';
type System = 'A' | 'B' | 'B1' | 'C' | 'Cbasic';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    smoke: { type: 'boolean' },
    reps: { type: 'string' },
    sessions: { type: 'string' },
    bridges: { type: 'string' },
    levels: { type: 'string' },
    storage: { type: 'string' },
    op: { type: 'string' },
    scale: { type: 'string' },
    'log-level': { type: 'string' },
    tsx: { type: 'boolean' },
    'max-seconds': { type: 'string' },
    'wait-quiet': { type: 'string' },
    'beam-cpus': { type: 'string' },
    'basic-auth': { type: 'boolean' },
    out: { type: 'string' },
    profile: { type: 'boolean' },
    'profile-ops': { type: 'string' },
    soak: { type: 'boolean' },
    'soak-requests': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const positiveInt = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} wants a positive integer, not ${value}`);
  return n;
};
const list = <T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T[]): T[] => {
  if (value === undefined) return fallback;
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`--${name}: ${item} is not one of ${allowed.join(', ')}`);
  return items as T[];
};

const MODE: 'compare' | 'profile' | 'soak' = flags.profile ? 'profile' : flags.soak ? 'soak' : 'compare';
const SMOKE = flags.smoke === true;
const QUICK = flags.quick === true;
const REPS = positiveInt('reps', flags.reps, SMOKE ? 1 : QUICK ? 2 : 3);
const SESSIONS = positiveInt('sessions', flags.sessions, 4);
const BRIDGES = positiveInt('bridges', flags.bridges, 1);
const LEVELS = flags.levels
  ? flags.levels.split(',').map((s) => positiveInt('levels', s, 1))
  : SMOKE ? [8] : MODE === 'compare' ? [1, 8, 64] : [64];
const STORAGES = list<Storage>('storage', flags.storage, ['scram', 'plain'], SMOKE || MODE === 'profile' ? ['scram'] : MODE === 'soak' ? ['plain'] : ['scram', 'plain']);
const OPS = list<Op>('op', flags.op, ['register', 'is_registered', 'change_password'], ['register', 'is_registered', 'change_password']);
const SCALE = flags.scale !== undefined ? Number(flags.scale) : SMOKE ? 0 : QUICK ? 0.5 : 1;
if (!(SCALE >= 0)) throw new Error(`--scale wants a number >= 0, not ${flags.scale}`);
const LOG_LEVEL = flags['log-level'] ?? 'warn';
// --profile and --soak run their whole count.
const MAX_SECONDS = flags['max-seconds'] !== undefined ? Number(flags['max-seconds']) : MODE !== 'compare' ? Infinity : SMOKE ? 5 : 2.5;
if (!(MAX_SECONDS > 0)) throw new Error(`--max-seconds wants a number > 0, not ${flags['max-seconds']}`);
const TOP = Math.max(...LEVELS);
const CHANGE_LEVEL = 8;

/**
 * Operations per measurement: ~1-2.5 s each on 2 quiet cores, and at least 6x
 * the level so the ramp-down is a small part. --max-seconds cuts a
 * measurement short on a slower (or busier) machine.
 */
function opsFor(op: Op, storage: Storage, level: number): number {
  if (SMOKE && SCALE === 0) return op === 'change_password' ? 4 : 16;
  const table: Record<Op, Record<Storage, [number, number, number]>> = {
    // at 1, 8, 64 in flight
    register: { scram: [100, 200, 384], plain: [400, 1200, 2560] },
    is_registered: { scram: [600, 1600, 3200], plain: [600, 1600, 3200] },
    change_password: { scram: [96, 96, 96], plain: [96, 96, 96] },
  };
  const [one, eight, sixtyFour] = table[op][storage];
  const base = level <= 1 ? one : level <= 8 ? eight : sixtyFour;
  return Math.max(level * (op === 'change_password' ? 4 : 6), Math.round(base * Math.max(SCALE, 0.05)));
}

/** A progress line on stderr, with the seconds since the start. */
const progressStart = performance.now();
function progress(line: string): void {
  process.stderr.write(`[${((performance.now() - progressStart) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
}

// --- statistics -----------------------------------------------------------

const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number);
const round = (x: number, digits = 0): number => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);

// --- one measurement ----------------------------------------------------------

interface Measurement {
  storage: Storage;
  op: Op | Mix;
  system: System;
  /** XMPP sessions behind the system (A: per bridge; C: none). */
  sessions: number | null;
  level: number;
  rep: number;
  ops: number;
  errors: number;
  firstErrors: string[];
  seconds: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** CPU of the bridge process(es) per operation; in B/C runs it is the idle bridge's. */
  bridgeCpuUsPerOp: number;
  /** CPU of ejabberd's Erlang VM (beam.smp) per operation. */
  beamCpuUsPerOp: number;
  /** This process's own CPU (process.cpuUsage) per operation. */
  loadgenCpuUsPerOp: number;
  /** Share of all cores (nproc) busy with the bridge, ejabberd and the load generator together. */
  machineBusyPercent: number;
  /** Share of all cores busy with anything else (other processes on the machine): high values spoil the figures. */
  othersBusyPercent: number;
  bridgeRssMB: number;
  /** How many times it was measured (--wait-quiet repeats noisy measurements); absent: once. */
  attempts?: number;
}

interface Context {
  storage: Storage;
  server: ThrowawayEjabberd;
  beamPid: number;
  bridges: BenchBridge[];
  nproc: number;
}

function cpuOf(pids: number[]): CpuReading[] {
  return pids.map((pid) => readCpu(pid));
}
function cpuSinceNs(pids: number[], before: CpuReading[]): number {
  return pids.reduce((sum, pid, i) => sum + cpuBetween(before[i] as CpuReading, readCpu(pid)), 0);
}

async function measure(
  ctx: Context,
  labels: { op: Op | Mix; system: System; sessions: number | null; level: number; rep: number },
  total: number,
  operation: (i: number) => Promise<void>,
): Promise<Measurement> {
  const latencies = new Float64Array(total);
  const firstErrors: string[] = [];
  let errors = 0;
  let next = 0;
  const bridgePids = ctx.bridges.map((b) => b.pid);
  const bridgeBefore = cpuOf(bridgePids);
  const beamBefore = readCpu(ctx.beamPid);
  const machineBefore = machineBusyNs();
  const selfBefore = process.cpuUsage();
  const started = performance.now();
  const cutOffAt = started + MAX_SECONDS * 1000;
  const minimum = Math.min(total, Math.max(2 * labels.level, 20));
  const more = () => next < total && (next < minimum || performance.now() < cutOffAt);
  await Promise.all(
    Array.from({ length: Math.min(labels.level, total) }, async () => {
      while (more()) {
        const i = next++;
        const t0 = performance.now();
        try {
          await operation(i);
        } catch (error) {
          errors += 1;
          if (firstErrors.length < 3) firstErrors.push((error as Error).message);
        }
        latencies[i] = performance.now() - t0;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const self = process.cpuUsage(selfBefore);
  const bridgeNs = cpuSinceNs(bridgePids, bridgeBefore);
  const beamNs = cpuBetween(beamBefore, readCpu(ctx.beamPid));
  const machineNs = machineBusyNs() - machineBefore;
  const selfNs = (self.user + self.system) * 1000;
  const done = next;
  const sorted = latencies.subarray(0, done).sort();
  const allCores = seconds * 1e9 * ctx.nproc;
  const m: Measurement = {
    storage: ctx.storage,
    ...labels,
    ops: done,
    errors,
    firstErrors,
    seconds: round(seconds, 3),
    opsPerSec: round(done / seconds, 1),
    p50Ms: round(percentile(sorted, 50), 3),
    p99Ms: round(percentile(sorted, 99), 3),
    meanMs: round(sorted.reduce((a, b) => a + b, 0) / done, 3),
    bridgeCpuUsPerOp: round(bridgeNs / 1000 / done, 1),
    beamCpuUsPerOp: round(beamNs / 1000 / done, 1),
    loadgenCpuUsPerOp: round(selfNs / 1000 / done, 1),
    machineBusyPercent: round((100 * (bridgeNs + beamNs + selfNs)) / allCores, 1),
    // /proc/stat counts in 10 ms ticks: meaningless for very short measurements, hence the clamp.
    othersBusyPercent: round(Math.min(100, Math.max(0, (100 * (machineNs - bridgeNs - beamNs - selfNs)) / allCores)), 1),
    bridgeRssMB: round(bridgePids.reduce((sum, pid) => sum + rssBytes(pid), 0) / 2 ** 20, 1),
  };
  const note = errors > 0 ? `  ${errors} FAILED: ${firstErrors[0]}` : '';
  process.stderr.write(
    `  ${m.storage} ${m.op} ${m.system} ${m.level} in flight rep ${m.rep}: ${m.opsPerSec.toFixed(0)}/s p50 ${m.p50Ms} ms p99 ${m.p99Ms} ms, ` +
      `bridge ${m.bridgeCpuUsPerOp} µs/op, beam ${m.beamCpuUsPerOp} µs/op, loadgen ${m.loadgenCpuUsPerOp} µs/op, others ${m.othersBusyPercent} %${note}\n`,
  );
  return m;
}

// --- the systems under test ----------------------------------------------------

interface Systems {
  ctx: Context;
  /** Every bridge's HTTP side; A's requests rotate over them. */
  bridgeHttp: HttpTarget[];
  bare: BareXmppClient;
  bareOne: BareXmppClient | undefined;
  api: HttpTarget;
  basicAuth: string;
  host: string;
  password: string;
  /** Accounts registered so far: the names is_registered asks about. */
  registered: string[];
  /** Registered accounts whose password is still `password`, for change_password. */
  unchanged: string[];
}

let aNext = 0;
function bridgeOf(s: Systems): HttpTarget {
  aNext = (aNext + 1) % s.bridgeHttp.length;
  return s.bridgeHttp[aNext] as HttpTarget;
}

function expect(reply: { status: number; text: string }, status: number, text: string, what: string): void {
  if (reply.status !== status || reply.text !== text) {
    throw new Error(`${what}: ${reply.status} ${reply.text.slice(0, 200)}`);
  }
}

async function registerVia(s: Systems, system: System, username: string): Promise<void> {
  const { host, password } = s;
  switch (system) {
    case 'A':
      expect(await bridgeOf(s).post('/api/register/register', { key: KEY, host, username, password }), 200, '"ok"', 'bridge register');
      break;
    case 'B':
      await registerAccount(s.bare, host, username, password);
      break;
    case 'B1':
      await registerAccount(s.bareOne as BareXmppClient, host, username, password);
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

async function isRegisteredVia(s: Systems, system: System, username: string): Promise<void> {
  const { host } = s;
  switch (system) {
    case 'A':
      expect(
        await bridgeOf(s).get(`/api/register/is_registered?key=${KEY}&host=${encodeURIComponent(host)}&username=${encodeURIComponent(username)}`),
        200,
        'true',
        'bridge is_registered',
      );
      break;
    case 'B':
    case 'B1':
      if (!(await bareIsRegistered(system === 'B' ? s.bare : (s.bareOne as BareXmppClient), host, `${username}@${host}`))) {
        throw new Error(`bare client: ${username} not registered`);
      }
      break;
    case 'C':
    case 'Cbasic':
      expect(
        await s.api.post('/api/check_account', { user: username, host }, system === 'Cbasic' ? { authorization: s.basicAuth } : {}),
        200,
        '0',
        'mod_http_api check_account',
      );
      break;
  }
}

async function changePasswordViaBridge(s: Systems, username: string): Promise<void> {
  const reply = await bridgeOf(s).post('/api/register/change_password', {
    key: KEY,
    host: s.host,
    username,
    old_password: s.password,
    new_password: `${s.password}-2`,
  });
  expect(reply, 200, '"ok"', 'bridge change_password');
}

// --- set-up -------------------------------------------------------------------------

function bridgeConfig(server: ThrowawayEjabberd, sessions: number): Record<string, unknown> {
  return {
    xmpp: {
      service: server.service,
      jid: server.adminJid,
      password: server.adminPassword,
      sessions,
      request_timeout_ms: 10_000,
    },
    hosts: server.hosts,
    api: [{ path: 'register', module: 'register', key: KEY }],
    // As ejabberd-restful.yml.example (ejabberd.yml.example exempts the bridge from mod_fail2ban).
    limits: { failed_logins: { server_guard: 'off' } },
    // Logging is not what is measured: warnings and errors only.
    log: { level: LOG_LEVEL },
  };
}

async function startServer(storage: Storage): Promise<{ server: ThrowawayEjabberd; beamPid: number; apiPort: number }> {
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
  if (flags['beam-cpus'] !== undefined) {
    execFileSync('taskset', ['-a', '-p', '-c', flags['beam-cpus'], String(beamPid)], { stdio: 'ignore' });
  }
  return { server, beamPid, apiPort };
}

async function startSystems(storage: Storage, runTag: string, profileDir?: string): Promise<Systems> {
  progress(`starting ejabberd (${storage} password storage) and ${BRIDGES} bridge(s) with ${SESSIONS} session(s) each`);
  const { server, beamPid, apiPort } = await startServer(storage);
  const bridges: BenchBridge[] = [];
  try {
    for (let i = 0; i < BRIDGES; i += 1) {
      bridges.push(
        await startBenchBridge({
          root: ROOT,
          config: bridgeConfig(server, SESSIONS),
          sessions: SESSIONS,
          ...(build ? { entry: build.entry } : {}),
          ...(profileDir ? { cpuProfileDir: profileDir } : {}),
        }),
      );
    }
    const clientOptions = { service: server.service, host: server.host, username: 'admin', password: server.adminPassword };
    const bare = await BareXmppClient.open({ ...clientOptions, sessions: SESSIONS * BRIDGES });
    const bareOne = SESSIONS * BRIDGES > 1 ? await BareXmppClient.open({ ...clientOptions, sessions: 1 }) : undefined;
    return {
      ctx: { storage, server, beamPid, bridges, nproc: machine.nproc },
      bridgeHttp: bridges.map((b) => b.http),
      bare,
      bareOne,
      api: new HttpTarget(`http://127.0.0.1:${apiPort}`),
      basicAuth: `Basic ${Buffer.from(`${server.adminJid}:${server.adminPassword}`).toString('base64')}`,
      host: server.host,
      password: `pw-${runTag}`,
      registered: [],
      unchanged: [],
    };
  } catch (error) {
    await Promise.all(bridges.map((b) => b.stop()));
    await server.stop();
    throw error;
  }
}

async function stopSystems(s: Systems): Promise<(string | undefined)[]> {
  progress('stopping');
  s.api.close();
  await s.bare.close();
  await s.bareOne?.close();
  const profiles = await Promise.all(s.ctx.bridges.map((b) => b.stop()));
  await s.ctx.server.stop();
  return profiles;
}

/** Short, unique, nodeprep-clean account names. */
function nameFactory(runTag: string, storage: Storage) {
  return (system: System, rep: number | string, level: number, i: number) =>
    `${runTag}${storage[0]}${system.toLowerCase()}${rep}l${level}n${i}`;
}

// --- compare mode --------------------------------------------------------------------

const rotate = <T>(xs: readonly T[], by: number): T[] => xs.map((_, i) => xs[(i + by) % xs.length] as T);

function systemsFor(op: Op, level: number, s: Systems): System[] {
  if (op === 'change_password') return ['A'];
  const systems: System[] = ['A', 'B', 'C'];
  if (level === TOP && s.bareOne) systems.push('B1');
  if (level === TOP && flags['basic-auth']) systems.push('Cbasic');
  return systems;
}

async function compareStorage(storage: Storage, runTag: string): Promise<Measurement[]> {
  const s = await startSystems(storage, runTag);
  const name = nameFactory(runTag, storage);
  const out: Measurement[] = [];
  let lookups = 0;
  const run = (op: Op, system: System, level: number, rep: number, total: number, attempt = 0) => {
    const sessions = system === 'A' ? SESSIONS : system === 'B' ? SESSIONS * BRIDGES : system === 'B1' ? 1 : null;
    const labels = { op, system, sessions, level, rep };
    const tag = attempt === 0 ? `${rep}` : `${rep}r${attempt}`;
    if (op === 'register') return measure(s.ctx, labels, total, (i) => registerVia(s, system, name(system, tag, level, i)));
    if (op === 'is_registered') {
      const offset = lookups;
      lookups += total;
      return measure(s.ctx, labels, total, (i) =>
        isRegisteredVia(s, system, s.registered[(offset + i) % s.registered.length] as string),
      );
    }
    return measure(s.ctx, labels, total, async () => {
      const username = s.unchanged.shift();
      if (username === undefined) throw new Error('no registered account left for change_password');
      await changePasswordViaBridge(s, username);
    });
  };
  try {
    // Warm-up, not recorded: JIT (a few thousand requests through the shared
    // HTTP/XMPP path: is_registered is the cheap way there), sockets,
    // ejabberd's tables; accounts for is_registered and change_password.
    progress('warming up');
    const warmSystems: System[] = ['A', 'B', 'C', ...(s.bareOne ? ['B1' as const] : [])];
    for (const system of warmSystems) {
      const warm = (op: Op, n: number, level: number) => {
        const labels = { op, system, sessions: null, level, rep: -1 };
        if (op === 'register') return measure(s.ctx, labels, n, (i) => registerVia(s, system, name(system, 'w', level, i)));
        return measure(s.ctx, labels, n, (i) => isRegisteredVia(s, system, s.registered[i % s.registered.length] as string));
      };
      await warm('register', SMOKE ? 16 : 64, 8);
      await warm('is_registered', SMOKE ? 16 : 3000, SMOKE ? 8 : 64);
      if (!SMOKE) await warm('register', 128, 64);
    }
    if (OPS.includes('change_password')) await run('change_password', 'A', CHANGE_LEVEL, -1, SMOKE ? 2 : 16);
    idle[storage] = await idleCpu(s.ctx, SMOKE ? 1 : 2);

    for (let rep = 0; rep < REPS; rep += 1) {
      progress(`${storage}: repetition ${rep + 1} of ${REPS}`);
      for (const op of OPS) {
        if (op === 'change_password') {
          out.push(await gated(() => run(op, 'A', CHANGE_LEVEL, rep, opsFor(op, storage, CHANGE_LEVEL))));
          continue;
        }
        for (const level of rotate(LEVELS, rep)) {
          for (const system of rotate(systemsFor(op, level, s), rep)) {
            out.push(await gated((attempt) => run(op, system, level, rep, opsFor(op, storage, level), attempt)));
          }
        }
      }
    }
  } finally {
    await stopSystems(s);
  }
  return out;
}

/** What the bridge(s) and ejabberd use doing nothing (timers, keepalives, schedulers spinning), in % of one core. */
const idle: Partial<Record<Storage, { seconds: number; bridgeCpuPercentOfCore: number; beamCpuPercentOfCore: number }>> = {};
async function idleCpu(ctx: Context, seconds: number) {
  const pids = ctx.bridges.map((b) => b.pid);
  const bridgeBefore = cpuOf(pids);
  const beamBefore = readCpu(ctx.beamPid);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const ofCore = (ns: number) => round((100 * ns) / (seconds * 1e9), 2);
  const result = {
    seconds,
    bridgeCpuPercentOfCore: ofCore(cpuSinceNs(pids, bridgeBefore)),
    beamCpuPercentOfCore: ofCore(cpuBetween(beamBefore, readCpu(ctx.beamPid))),
  };
  process.stderr.write(`  idle for ${seconds} s: bridge ${result.bridgeCpuPercentOfCore} % of a core, beam ${result.beamCpuPercentOfCore} %\n`);
  return result;
}

/**
 * With --wait-quiet: a measurement during which other processes used more
 * than NOISY_PERCENT of the machine is measured again (at most twice) once
 * the machine is quiet; the one kept says how many tries it took.
 */
const NOISY_PERCENT = 15;
async function gated(measureOnce: (attempt: number) => Promise<Measurement>): Promise<Measurement> {
  let m = await measureOnce(0);
  for (let attempt = 1; QUIET_WAIT !== undefined && m.othersBusyPercent > NOISY_PERCENT && attempt <= 2; attempt += 1) {
    process.stderr.write(`  others used ${m.othersBusyPercent} % of the machine: measuring again once it is quiet\n`);
    await waitQuiet(QUIET_WAIT);
    m = { ...(await measureOnce(attempt)), attempts: attempt + 1 };
  }
  return m;
}

interface GroupSummary {
  storage: Storage;
  op: Op | Mix;
  level: number;
  /** Medians over the repetitions, per system. */
  systems: Partial<Record<System, Omit<Measurement, 'storage' | 'op' | 'system' | 'level' | 'rep' | 'firstErrors' | 'sessions'> & { reps: number }>>;
  /** ops/s of A over ops/s of the other, per repetition and their median. */
  ratios: Record<string, { perRep: number[]; median: number }>;
  /** A's p50 minus B's p50, per repetition and their median (ms). */
  addedP50Ms?: { perRep: number[]; median: number };
}

function summarize(measurements: Measurement[]): GroupSummary[] {
  const groups = new Map<string, Measurement[]>();
  for (const m of measurements) {
    const key = `${m.storage}|${m.op}|${m.level}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const numeric = [
    'ops', 'errors', 'seconds', 'opsPerSec', 'p50Ms', 'p99Ms', 'meanMs', 'bridgeCpuUsPerOp', 'beamCpuUsPerOp',
    'loadgenCpuUsPerOp', 'machineBusyPercent', 'othersBusyPercent', 'bridgeRssMB',
  ] as const;
  const out: GroupSummary[] = [];
  for (const ms of groups.values()) {
    const first = ms[0] as Measurement;
    const bySystem = new Map<System, Measurement[]>();
    for (const m of ms) bySystem.set(m.system, [...(bySystem.get(m.system) ?? []), m]);
    const systems: GroupSummary['systems'] = {};
    for (const [system, runs] of bySystem) {
      const entry = { reps: runs.length } as Record<string, number>;
      for (const field of numeric) entry[field] = round(median(runs.map((r) => r[field])), field === 'opsPerSec' || field.endsWith('PerOp') ? 1 : 3);
      entry.errors = runs.reduce((sum, r) => sum + r.errors, 0);
      systems[system] = entry as unknown as NonNullable<GroupSummary['systems'][System]>;
    }
    const perRep = (other: System, f: (a: Measurement, o: Measurement) => number): number[] => {
      const a = bySystem.get('A') ?? [];
      const o = bySystem.get(other) ?? [];
      return a.flatMap((am) => {
        const om = o.find((x) => x.rep === am.rep);
        return om ? [round(f(am, om), 3)] : [];
      });
    };
    const ratios: GroupSummary['ratios'] = {};
    for (const other of ['B', 'C', 'B1', 'Cbasic'] as const) {
      const values = perRep(other, (a, o) => a.opsPerSec / o.opsPerSec);
      if (values.length > 0) ratios[`A/${other}`] = { perRep: values, median: round(median(values), 3) };
    }
    const added = perRep('B', (a, b) => a.p50Ms - b.p50Ms);
    out.push({
      storage: first.storage,
      op: first.op,
      level: first.level,
      systems,
      ratios,
      ...(added.length > 0 ? { addedP50Ms: { perRep: added, median: round(median(added), 3) } } : {}),
    });
  }
  return out;
}

interface TargetCheck {
  target: string;
  value: number | null;
  met: boolean | null;
}

function checkTargets(summary: GroupSummary[]): TargetCheck[] {
  const find = (storage: Storage, op: Op, level: number) => summary.find((g) => g.storage === storage && g.op === op && g.level === level);
  const checks: TargetCheck[] = [];
  const add = (target: string, value: number | undefined, ok: (v: number) => boolean) => {
    const v = value === undefined || !Number.isFinite(value) ? null : value;
    checks.push({ target, value: v, met: v === null ? null : ok(v) });
  };
  add('register SCRAM 64 in flight: A/C >= 1.0', find('scram', 'register', 64)?.ratios['A/C']?.median, (v) => v >= 1);
  add('register SCRAM 64 in flight: A (pool) / B1 (one session) >= 1.3', find('scram', 'register', 64)?.ratios['A/B1']?.median, (v) => v >= 1.3);
  add('register plain 64 in flight: A/B >= 0.85', find('plain', 'register', 64)?.ratios['A/B']?.median, (v) => v >= 0.85);
  for (const storage of ['scram', 'plain'] as const) {
    add(`is_registered ${storage} 64 in flight: A/C >= 1.0`, find(storage, 'is_registered', 64)?.ratios['A/C']?.median, (v) => v >= 1);
  }
  for (const storage of ['scram', 'plain'] as const) {
    for (const op of ['register', 'is_registered'] as const) {
      add(`bridge CPU per ${op}, ${storage}, 64 in flight <= 60 µs`, find(storage, op, 64)?.systems.A?.bridgeCpuUsPerOp, (v) => v <= 60);
    }
  }
  for (const storage of ['scram', 'plain'] as const) {
    for (const op of ['register', 'is_registered'] as const) {
      add(`added p50 (A - B) ${op} ${storage} at 1 in flight <= 0.2 ms`, find(storage, op, 1)?.addedP50Ms?.median, (v) => v <= 0.2);
    }
  }
  for (const storage of ['scram', 'plain'] as const) {
    add(`change_password ${storage} at 8 in flight >= 150/s`, find(storage, 'change_password', CHANGE_LEVEL)?.systems.A?.opsPerSec, (v) => v >= 150);
  }
  return checks.filter((c) => c.value !== null);
}

function printSummary(summary: GroupSummary[], targets: TargetCheck[]): void {
  const lines: string[] = [];
  const f = (x: number | undefined, d = 0) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
  lines.push(
    '',
    `Medians over ${REPS} repetition(s); A = bridge over HTTP, B = bare XMPP client (${SESSIONS * BRIDGES} session(s)), ` +
      'B1 = bare client on one session, C = ejabberd mod_http_api, Cbasic = C with HTTP Basic auth.',
    'others % = share of all cores used by other processes on the machine meanwhile (the figures are only as good as this is low).',
    '',
    '| storage | operation | in flight | system | ops/s | p50 ms | p99 ms | bridge µs/op | beam µs/op | loadgen µs/op | bridge RSS MB | others % |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const g of summary) {
    for (const system of ['A', 'B', 'B1', 'C', 'Cbasic'] as const) {
      const m = g.systems[system];
      if (!m) continue;
      lines.push(
        `| ${g.storage} | ${g.op} | ${g.level} | ${system} | ${f(m.opsPerSec)} | ${f(m.p50Ms, 2)} | ${f(m.p99Ms, 2)} | ` +
          `${system === 'A' ? f(m.bridgeCpuUsPerOp) : '-'} | ${f(m.beamCpuUsPerOp)} | ${f(m.loadgenCpuUsPerOp)} | ${system === 'A' ? f(m.bridgeRssMB) : '-'} | ` +
          `${f(m.othersBusyPercent)} |`,
      );
    }
  }
  lines.push('', '| storage | operation | in flight | A/B per rep (median) | A/C per rep (median) | A/B1 (median) | A p50 - B p50 ms (median) |', '|---|---|---|---|---|---|---|');
  for (const g of summary) {
    if (g.op === 'change_password') continue;
    const r = (k: string) => {
      const x = g.ratios[k];
      return x ? `${x.perRep.map((v) => v.toFixed(2)).join(' ')} (${x.median.toFixed(2)})` : '-';
    };
    lines.push(
      `| ${g.storage} | ${g.op} | ${g.level} | ${r('A/B')} | ${r('A/C')} | ${g.ratios['A/B1'] ? g.ratios['A/B1'].median.toFixed(2) : '-'} | ` +
        `${g.addedP50Ms ? `${g.addedP50Ms.perRep.map((v) => v.toFixed(2)).join(' ')} (${g.addedP50Ms.median.toFixed(2)})` : '-'} |`,
    );
  }
  lines.push('', 'The issue\'s targets (reported, not asserted):');
  for (const t of targets) lines.push(`  ${t.met ? 'met   ' : 'MISSED'} ${t.target}: ${t.value}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

// --- profile mode ----------------------------------------------------------------------

async function profile(runTag: string): Promise<{ storage: Storage; level: number; ops: number; measurement: Measurement; summary: ProfileSummary; cpuProfile: string }[]> {
  const results = [];
  for (const storage of STORAGES) {
    const dir = path.join(ROOT, 'bench/results/profiles');
    mkdirSync(dir, { recursive: true });
    const s = await startSystems(storage, runTag, dir);
    const name = nameFactory(runTag, storage);
    const total = positiveInt('profile-ops', flags['profile-ops'], storage === 'scram' ? 2000 : 10000);
    let measurement: Measurement;
    let window: { fromUs: number; toUs: number };
    let file: string | undefined;
    try {
      progress('warming up');
      const warmLabels = { system: 'A' as const, sessions: SESSIONS, level: TOP, rep: -1 };
      await measure(s.ctx, { op: 'register', ...warmLabels }, 256, (i) => registerVia(s, 'A', name('A', 'w', TOP, i)));
      await measure(s.ctx, { op: 'is_registered', ...warmLabels }, 3000, (i) => isRegisteredVia(s, 'A', s.registered[i % s.registered.length] as string));
      process.stderr.write(`profiling: ${total} registrations through the bridge, ${TOP} in flight\n`);
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      measurement = await measure(s.ctx, { op: 'register', system: 'A', sessions: SESSIONS, level: TOP, rep: 0 }, total, (i) =>
        registerVia(s, 'A', name('A', 'p', TOP, i)),
      );
      window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
    } finally {
      [file] = await stopSystems(s);
    }
    if (!file) throw new Error('the bridge wrote no CPU profile');
    const summary = await summarizeCpuProfile(file, ROOT, { top: 15, window });
    const lines = [
      '',
      `CPU profile of the bridge, register ${storage} ${TOP} in flight, ${total} requests at ${measurement.opsPerSec.toFixed(0)}/s: ` +
        `${summary.busyMs} ms busy of ${summary.totalMs} ms sampled (main thread), ${summary.samples} samples; ${path.relative(ROOT, file)}`,
      '',
      '| # | self ms | % of busy | function | where |',
      '|---|---|---|---|---|',
      ...summary.top.map((r, i) => `| ${i + 1} | ${r.selfMs.toFixed(1)} | ${r.percentOfBusy.toFixed(1)} | ${r.function} | ${r.location} |`),
      '',
      'The same, counting Node internals and native code (syscalls) for the nearest application or package frame that called them:',
      '',
      '| # | ms | % of busy | function | where |',
      '|---|---|---|---|---|',
      ...summary.topWithNodeInternals.map((r, i) => `| ${i + 1} | ${r.selfMs.toFixed(1)} | ${r.percentOfBusy.toFixed(1)} | ${r.function} | ${r.location} |`),
      '',
      '| area | self ms | % of busy |',
      '|---|---|---|',
      ...summary.byArea.map((a) => `| ${a.area} | ${a.selfMs.toFixed(1)} | ${a.percentOfBusy.toFixed(1)} |`),
    ];
    if (measurement.othersBusyPercent > NOISY_PERCENT) {
      lines.push(
        '',
        `WARNING: other processes used ${measurement.othersBusyPercent} % of the machine meanwhile: samples taken while the bridge ` +
          'was descheduled land on whatever it was doing (often a syscall), so the ranking is skewed. Run it again when the machine is quiet.',
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    results.push({ storage, level: TOP, ops: total, measurement, summary: { ...summary, file: path.relative(ROOT, summary.file) }, cpuProfile: path.relative(ROOT, file) });
  }
  return results;
}

// --- soak mode -----------------------------------------------------------------------------

async function soak(runTag: string) {
  const storage = STORAGES[0] as Storage;
  const total = positiveInt('soak-requests', flags['soak-requests'], 100_000);
  const chunk = Math.min(10_000, total);
  const s = await startSystems(storage, runTag);
  const name = nameFactory(runTag, storage);
  const pids = s.ctx.bridges.map((b) => b.pid);
  const points: {
    requests: number;
    /** RSS sampled every 250 ms during the chunk (garbage collection moves it), and at its end. */
    rssMinMB: number;
    rssMedianMB: number;
    rssMaxMB: number;
    rssEndMB: number;
    opsPerSec: number;
    bridgeCpuUsPerOp: number;
    othersBusyPercent: number;
  }[] = [];
  try {
    let done = 0;
    let chunkIndex = 0;
    while (done < total) {
      const n = Math.min(chunk, total - done);
      const base = done;
      const samples: number[] = [];
      const sampler = setInterval(() => samples.push(pids.reduce((sum, pid) => sum + rssBytes(pid), 0) / 2 ** 20), 250);
      // Even requests register a new account, odd ones ask whether the one before exists.
      const m = await measure(s.ctx, { op: 'register+is_registered', system: 'A', sessions: SESSIONS, level: TOP, rep: chunkIndex }, n, async (i) => {
        const k = base + i;
        if (k % 2 === 0) await registerVia(s, 'A', name('A', 's', TOP, k));
        else await isRegisteredVia(s, 'A', s.registered[s.registered.length - 1] ?? name('A', 's', TOP, k - 1));
      });
      clearInterval(sampler);
      samples.push(m.bridgeRssMB);
      done += n;
      chunkIndex += 1;
      points.push({
        requests: done,
        rssMinMB: round(Math.min(...samples), 1),
        rssMedianMB: round(median(samples), 1),
        rssMaxMB: round(Math.max(...samples), 1),
        rssEndMB: m.bridgeRssMB,
        opsPerSec: m.opsPerSec,
        bridgeCpuUsPerOp: m.bridgeCpuUsPerOp,
        othersBusyPercent: m.othersBusyPercent,
      });
      if (m.errors > 0) process.stderr.write(`  ${m.errors} requests failed in this chunk\n`);
      s.unchanged.length = 0;
    }
  } finally {
    await stopSystems(s);
  }
  const first = points[0];
  const last = points[points.length - 1];
  const change = (f: (p: (typeof points)[number]) => number) =>
    first && last ? round((100 * (f(last) - f(first))) / f(first), 1) : null;
  const changes = { end: change((p) => p.rssEndMB), median: change((p) => p.rssMedianMB), min: change((p) => p.rssMinMB) };
  process.stdout.write(
    [
      '',
      `Bridge RSS under register + is_registered (${storage}, ${TOP} in flight), per ${chunk} requests (sampled every 250 ms):`,
      '| requests | RSS MB min / median / max | at the end | ops/s | bridge µs/op | others % |',
      '|---|---|---|---|---|---|',
      ...points.map(
        (p) =>
          `| ${p.requests} | ${p.rssMinMB.toFixed(1)} / ${p.rssMedianMB.toFixed(1)} / ${p.rssMaxMB.toFixed(1)} | ${p.rssEndMB.toFixed(1)} | ` +
          `${p.opsPerSec.toFixed(0)} | ${p.bridgeCpuUsPerOp.toFixed(1)} | ${p.othersBusyPercent} |`,
      ),
      '',
      `RSS change from ${first?.requests} to ${last?.requests} requests (target: within ±10 %): ` +
        `${changes.median} % by the chunks' medians, ${changes.min} % by their minimums, ${changes.end} % at the ends`,
      '',
    ].join('\n'),
  );
  return { storage, level: TOP, chunk, points, rssChangePercent: changes };
}

// --- main ------------------------------------------------------------------------------------

const machine = machineInfo(ROOT);
const startedAt = new Date();
const runTag = `${(Date.now() % 36 ** 5).toString(36)}${randomBytes(2).toString('hex')}`;
const loadgenStart = process.cpuUsage();
const wallStart = performance.now();
let build: BridgeBuild | undefined;
if (!flags.tsx) {
  progress(`compiling the bridge (tsc -p tsconfig.build.json --outDir ${BUILD_DIR}/${runTag})`);
  build = buildBridge(ROOT, runTag);
  if (build.typeErrors > 0) process.stderr.write(`  (${build.typeErrors} type errors in the tree; compiled anyway)\n`);
  // A profile's positions are read through the build's source maps: summarized before this runs.
  process.once('exit', () => build?.remove());
}
/** Waits until the machine's busy share stays under 25 % for 3 samples of 2 s, or `seconds` pass. */
async function waitQuiet(seconds: number): Promise<{ waitedSeconds: number; lastBusyPercent: number }> {
  const deadline = Date.now() + seconds * 1000;
  const begin = Date.now();
  let quiet = 0;
  let busy = 100;
  while (quiet < 3 && Date.now() < deadline) {
    const before = machineBusyNs();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    busy = round((100 * (machineBusyNs() - before)) / (2e9 * machine.nproc), 1);
    quiet = busy < 25 ? quiet + 1 : 0;
    process.stderr.write(`  machine ${busy} % busy${quiet > 0 ? ` (quiet ${quiet}/3)` : ''}\n`);
  }
  if (quiet < 3) process.stderr.write(`  still busy after ${seconds} s: measuring anyway\n`);
  return { waitedSeconds: round((Date.now() - begin) / 1000, 1), lastBusyPercent: busy };
}

const QUIET_WAIT = flags['wait-quiet'] !== undefined ? Number(flags['wait-quiet']) : undefined;
const quietness = QUIET_WAIT !== undefined ? await waitQuiet(QUIET_WAIT) : undefined;

const settings = {
  mode: MODE,
  smoke: SMOKE,
  quick: QUICK,
  reps: REPS,
  sessions: SESSIONS,
  bridges: BRIDGES,
  levels: LEVELS,
  storages: STORAGES,
  ops: OPS,
  scale: SCALE,
  bridgeLogLevel: LOG_LEVEL,
  bridgeRunsAs: build ? `node ${BUILD_DIR}/<run>/src/cli.js (tsc -p tsconfig.build.json)` : 'node --import tsx src/cli.ts',
  bridgeBuildTypeErrors: build?.typeErrors ?? null,
  maxSecondsPerMeasurement: MAX_SECONDS,
  loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
  waitedForQuiet: quietness ?? null,
  beamCpus: flags['beam-cpus'] ?? null,
  basicAuth: flags['basic-auth'] === true,
  opsPerMeasurement: Object.fromEntries(
    STORAGES.map((storage) => [
      storage,
      Object.fromEntries(OPS.map((op) => [op, op === 'change_password' ? { [CHANGE_LEVEL]: opsFor(op, storage, CHANGE_LEVEL) } : Object.fromEntries(LEVELS.map((l) => [l, opsFor(op, storage, l)]))])),
    ]),
  ),
  runTag,
};
process.stderr.write(`${machine.nproc} × ${machine.cpuModel}, node ${machine.node}, ejabberd ${machine.ejabberd}, run ${runTag}\n`);

let result: Record<string, unknown>;
let failed = 0;
if (MODE === 'compare') {
  const measurements: Measurement[] = [];
  for (const storage of STORAGES) measurements.push(...(await compareStorage(storage, runTag)));
  const summary = summarize(measurements);
  const targets = checkTargets(summary);
  failed = measurements.reduce((sum, m) => sum + m.errors, 0);
  printSummary(summary, targets);
  result = { summary, targets, idle, measurements };
} else if (MODE === 'profile') {
  const profiles = await profile(runTag);
  failed = profiles.reduce((sum, p) => sum + p.measurement.errors, 0);
  result = { profiles };
} else {
  result = { soak: await soak(runTag) };
}

const self = process.cpuUsage(loadgenStart);
const durationS = round((performance.now() - wallStart) / 1000, 1);
const document = {
  schema: 'ejabberd-restful-bench/1',
  startedAt: startedAt.toISOString(),
  durationS,
  command: `npm run bench --${process.argv.slice(2).map((a) => ` ${a}`).join('')}`,
  machine,
  settings,
  loadgen: { cpuSeconds: round((self.user + self.system) / 1e6, 2), wallSeconds: durationS },
  failedOperations: failed,
  ...result,
};
const stamp = startedAt.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
const suffix = MODE === 'compare' ? (SMOKE ? '-smoke' : '') : `-${MODE}`;
const outFile = flags.out ?? path.join(ROOT, 'bench/results', `${stamp}${suffix}.json`);
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, `${JSON.stringify(document, null, 2)}\n`);
process.stdout.write(
  `\n${durationS} s in all; the load generator used ${document.loadgen.cpuSeconds} s of CPU. Written: ${path.relative(process.cwd(), outFile)}\n`,
);
if (failed > 0) {
  process.stderr.write(`${failed} operations failed: the figures above are not trustworthy\n`);
  process.exitCode = 1;
}
