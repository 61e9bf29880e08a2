// The bench's command line, parsed once into a read-only settings object
// that every other part receives explicitly (no module-level globals).
import { parseArgs } from 'node:util';

const BUILD_DIR_NOTE = 'bench/.build';

export const USAGE = `usage: npm run bench -- [flags]     (default: ~3 min on 2 quiet cores)
  --quick               2 repetitions, half the operations (~2 min)
  --smoke               SCRAM only, 8 in flight, a handful of operations (~10 s)
  --budget              the perf budget: bridge CPU per plain registration against a
                        bare Koa app (K), 64 in flight, interleaved, 5 short repetitions (~30 s)
  --reps N              repetitions (default 3)
  --sessions N          the bridge's xmpp.sessions and B's sessions (default 4)
  --bridges N           bridge processes sharing A's load (default 1); B gets N x sessions
  --levels 1,8,64       requests in flight
  --storage scram,plain ejabberd password storage(s)
  --op register,is_registered,change_password
  --scale X             multiply every operation count by X
  --log-level L         the bridge's log level (default info, as deployed; its lines go to /dev/null)
  --tsx                 run the bridge's src/cli.ts (and K) under tsx instead of compiling them
                        (tsc -p bench/tsconfig.build.json into ${BUILD_DIR_NOTE}) and running that
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
  --soak-requests N     default 200000
  --heap-snapshots      with --soak: the bridge writes a V8 heap snapshot after 20k
                        requests and at the end (bench/results/heap/), compared by constructor`;

export type Storage = 'scram' | 'plain';
export type Op = 'register' | 'is_registered' | 'change_password';
/** --soak alternates the two. */
export type Mix = 'register+is_registered';
/**
 * K: a bare Koa app (the bridge's HTTP stack answering at once); Kd: K answering
 * after a wait as long as A's mean latency (so at A's rate); A: the bridge;
 * B/B1: bare XMPP client; C: mod_http_api.
 */
export type System = 'K' | 'Kd' | 'A' | 'B' | 'B1' | 'C' | 'Cbasic';
export type Mode = 'compare' | 'profile' | 'soak' | 'budget';

export interface BenchFlags {
  mode: Mode;
  smoke: boolean;
  quick: boolean;
  reps: number;
  sessions: number;
  bridges: number;
  levels: number[];
  storages: Storage[];
  ops: Op[];
  scale: number;
  logLevel: string;
  tsx: boolean;
  maxSeconds: number;
  waitQuiet: number | undefined;
  beamCpus: string | undefined;
  basicAuth: boolean;
  out: string | undefined;
  profileOps: number | undefined;
  soakRequests: number;
  heapSnapshots: boolean;
  /** The highest level: B1 and Cbasic are measured there only. */
  top: number;
  /** change_password is measured at this level only. */
  changeLevel: number;
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

/** Parses argv; `help` true means: print USAGE and exit. */
export function parseFlags(argv: string[]): { help: true } | { help: false; flags: BenchFlags } {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      smoke: { type: 'boolean' },
      budget: { type: 'boolean' },
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
      'heap-snapshots': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return { help: true };

  const mode: Mode = values.profile ? 'profile' : values.soak ? 'soak' : values.budget ? 'budget' : 'compare';
  const smoke = values.smoke === true;
  const quick = values.quick === true;
  const reps = positiveInt('reps', values.reps, smoke ? 1 : quick ? 2 : mode === 'budget' ? 5 : 3);
  const levels = values.levels
    ? values.levels.split(',').map((s) => positiveInt('levels', s, 1))
    : smoke ? [8] : mode === 'compare' ? [1, 8, 64] : [64];
  const defaultStorages: Storage[] = smoke || mode === 'profile' ? ['scram'] : mode === 'soak' || mode === 'budget' ? ['plain'] : ['scram', 'plain'];
  const scale = values.scale !== undefined ? Number(values.scale) : smoke ? 0 : quick ? 0.5 : 1;
  if (!(scale >= 0)) throw new Error(`--scale wants a number >= 0, not ${values.scale}`);
  // --profile and --soak run their whole count.
  const maxSeconds =
    values['max-seconds'] !== undefined ? Number(values['max-seconds']) : mode === 'profile' || mode === 'soak' ? Infinity : smoke ? 5 : 2.5;
  if (!(maxSeconds > 0)) throw new Error(`--max-seconds wants a number > 0, not ${values['max-seconds']}`);
  const waitQuiet = values['wait-quiet'] !== undefined ? Number(values['wait-quiet']) : undefined;
  return {
    help: false,
    flags: {
      mode,
      smoke,
      quick,
      reps,
      sessions: positiveInt('sessions', values.sessions, 4),
      bridges: positiveInt('bridges', values.bridges, 1),
      levels,
      storages: list<Storage>('storage', values.storage, ['scram', 'plain'], defaultStorages),
      ops: list<Op>('op', values.op, ['register', 'is_registered', 'change_password'], mode === 'budget' ? ['register'] : ['register', 'is_registered', 'change_password']),
      scale,
      logLevel: values['log-level'] ?? 'info',
      tsx: values.tsx === true,
      maxSeconds,
      waitQuiet,
      beamCpus: values['beam-cpus'],
      basicAuth: values['basic-auth'] === true,
      out: values.out,
      profileOps: values['profile-ops'] === undefined ? undefined : positiveInt('profile-ops', values['profile-ops'], 1),
      soakRequests: positiveInt('soak-requests', values['soak-requests'], 200_000),
      heapSnapshots: values['heap-snapshots'] === true,
      top: Math.max(...levels),
      changeLevel: 8,
    },
  };
}

/**
 * K answers 10-20x faster than the bridge: with the same count its
 * measurement lasted ~0.1 s, and one GC or JIT pass moved its CPU per
 * request 2x between repetitions (47-144 µs in one run). It gets this many
 * times the operations (still cut at --max-seconds), so it runs about as
 * long as the systems it is compared with.
 */
export const K_OPS_FACTOR = 10;

/** Operations of a measurement of `system` where the others get `total`. */
export const opsOf = (system: System, total: number): number => (system === 'K' ? total * K_OPS_FACTOR : total);

/**
 * Operations per measurement: ~1-2.5 s each on 2 quiet cores, and at least 6x
 * the level so the ramp-down is a small part. --max-seconds cuts a
 * measurement short on a slower (or busier) machine.
 */
export function opsFor(flags: BenchFlags, op: Op, storage: Storage, level: number): number {
  if (flags.smoke && flags.scale === 0) return op === 'change_password' ? 4 : 16;
  const table: Record<Op, Record<Storage, [number, number, number]>> = {
    // at 1, 8, 64 in flight
    register: { scram: [100, 200, 384], plain: [400, 1200, 2560] },
    is_registered: { scram: [600, 1600, 3200], plain: [600, 1600, 3200] },
    change_password: { scram: [96, 96, 96], plain: [96, 96, 96] },
  };
  const [one, eight, sixtyFour] = table[op][storage];
  const base = level <= 1 ? one : level <= 8 ? eight : sixtyFour;
  return Math.max(level * (op === 'change_password' ? 4 : 6), Math.round(base * Math.max(flags.scale, 0.05)));
}
