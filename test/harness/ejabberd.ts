// A throwaway ejabberd for integration tests, the bench and the demo:
// the repo's ejabberd.yml.example, run from a temp dir on free loopback
// ports, from the host's package (Debian 12: 23.01) or chrooted in a Debian
// root (./debian-root.ts: 24.12, 26.07). A rooted server's files are in
// ROOT/tmp and ejabberdctl gets their paths as seen inside the root.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { commandIn, fileOf, makeTempDir, mountRoot, seenInside } from './debian-root.js';
import { findAbove, freePorts, isAlive, pause, portAccepts, waitUntil } from './local.js';
import { killHard, runCommand, startOrStop, stopped, type CtlResult, type StartServerOptions, type ThrowawayServer } from './throwaway-server.js';

export type { CtlResult } from './throwaway-server.js';

export const EJABBERDCTL = '/usr/sbin/ejabberdctl';
const EXAMPLE_NAME = 'ejabberd.yml.example';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
const CTL_TIMEOUT_MS = 60_000;

export interface StartEjabberdOptions extends StartServerOptions {
  /** Change the parsed config before it is written (ports and hosts already set). */
  edit?: (config: Record<string, unknown>) => void;
  /**
   * Erlang node name, e.g. 'ej1@localhost'; default a random one. Names need
   * to be unique only among nodes that share an epmd.
   */
  node?: string;
  /** Erlang cookie; default random. Nodes of one cluster need the same. */
  cookie?: string;
  /**
   * Port of a private epmd on 127.0.0.1 that the caller runs, for a node
   * that joins (or is joined by) others: nodes find each other there.
   * Without it the node uses no epmd at all (ERL_DIST_PORT), stays on its
   * own and cannot cluster (each node would assume its peers listen on its
   * own port; XMPP-FACTS).
   */
  epmdPort?: number;
  /** The node's Erlang distribution port; default a free one. */
  distPort?: number;
  /**
   * Register admin@hosts[0] with adminPassword once started (default true).
   * false for a node about to join a cluster: it gets the accounts from there.
   */
  registerAdmin?: boolean;
}

export interface ThrowawayEjabberd extends ThrowawayServer {
  kind: 'ejabberd';
  /** The Erlang node name, e.g. 'ej1@localhost' (what join_cluster takes). */
  node: string;
  /** The Erlang distribution port. */
  distPort: number;
  /** The Erlang VM's pid file, as a host path. */
  pidFile: string;
  /** Registers user@host by ejabberdctl; throws if that fails. */
  register(user: string, host: string, password: string): Promise<void>;
  /** Starts the node again on the same files and ports, e.g. after a test killed it. */
  restart(): Promise<void>;
  /**
   * Waits until the node serves: `ejabberdctl status` says started and the
   * c2s port accepts (e.g. after join_cluster, which restarts ejabberd).
   */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Changes the config (like `edit` at start) and applies it with `ejabberdctl reload_config`. */
  reconfigure(edit: (config: Record<string, unknown>) => void): Promise<void>;
}

/** Finds ejabberd.yml.example above this file. */
export function findExampleConfig(): string {
  return findAbove(EXAMPLE_NAME);
}

export async function startEjabberd(opts: StartEjabberdOptions = {}): Promise<ThrowawayEjabberd> {
  const { root } = opts;
  if (!existsSync(fileOf(root, EJABBERDCTL))) {
    throw new Error(
      root
        ? `${fileOf(root, EJABBERDCTL)} not found: run scripts/install-servers to make the Debian root`
        : `${EJABBERDCTL} not found: run scripts/install-ejabberd to install Debian's ejabberd`,
    );
  }
  if (root) await mountRoot(root);
  const log = opts.log ?? (() => {});
  const hosts = opts.hosts && opts.hosts.length > 0 ? [...opts.hosts] : ['localhost'];
  const host = hosts[0] as string;
  const adminPassword = opts.adminPassword ?? randomBytes(12).toString('hex');

  const config = YAML.parse(await readFile(findExampleConfig(), 'utf8')) as Record<string, unknown>;
  const listeners = Array.isArray(config.listen) ? (config.listen as Record<string, unknown>[]) : [];
  const ports = await freePorts(listeners.length + 1);
  const freeDistPort = ports.pop() as number;
  const distPort = opts.distPort ?? freeDistPort;
  listeners.forEach((l, i) => {
    l.port = ports[i];
  });
  config.hosts = hosts;
  // The example names the bridge account admin@localhost (ACLs); follow the first host.
  replaceStrings(config, (s) => s.replace(/^([^@\s]+)@localhost$/, `$1@${host}`));
  opts.edit?.(config);
  const c2s = (Array.isArray(config.listen) ? (config.listen as Record<string, unknown>[]) : []).find(
    (l) => l.module === 'ejabberd_c2s',
  );
  if (!c2s || typeof c2s.port !== 'number') throw new Error('config has no ejabberd_c2s listener with a port');
  const c2sPort = c2s.port;

  // Host paths for the harness; `inside` turns them into the paths the (chrooted) server is given.
  const dir = await makeTempDir(root, 'ejabberd-');
  const file = (name: string) => path.join(dir, name);
  const inside = (name: string) => seenInside(root, file(name));
  const pidFile = file('ejabberd.pid');
  const logFile = path.join(file('log'), 'ejabberd.log');
  await mkdir(file('db'));
  await mkdir(file('log'));
  await writeFile(file('ejabberd.yml'), toEjabberdYaml(config));
  await copyFile(fileOf(root, '/etc/ejabberd/inetrc'), file('inetrc')).catch(() => undefined);
  const node = opts.node ?? `ejrest${randomBytes(4).toString('hex')}@localhost`;
  const cookie = opts.cookie ?? randomBytes(16).toString('hex');
  // Distribution on loopback only. Same effect as INET_DIST_INTERFACE=127.0.0.1,
  // which makes every ejabberdctl call boot one more VM (~0.2 s) to parse it.
  const erlOptions = `-setcookie ${cookie} -kernel inet_dist_use_interface {127,0,0,1}`;
  const distribution =
    opts.epmdPort === undefined
      ? [
          `ERL_OPTIONS=${shQuote(erlOptions)}`,
          // A fixed distribution port means no epmd: instances stay independent.
          `ERL_DIST_PORT=${distPort}`,
        ]
      : [
          // Never start an epmd of its own (it would outlive the node): the caller's is there.
          `ERL_OPTIONS=${shQuote(`${erlOptions} -start_epmd false`)}`,
          // The caller's private epmd, for the node and for every ejabberdctl VM.
          `export ERL_EPMD_PORT=${opts.epmdPort}`,
          'export ERL_EPMD_ADDRESS=127.0.0.1',
          // The node's own distribution port, on its own start only: ejabberdctl's
          // short-lived VMs use ERL_OPTIONS too, and would collide on that port.
          // (ejabberdctl sources this file with the command as $1.)
          'case "$1" in',
          `  start|foreground|foreground-quiet|live) ERL_OPTIONS="$ERL_OPTIONS -kernel inet_dist_listen_min ${distPort} inet_dist_listen_max ${distPort}" ;;`,
          'esac',
        ];
  await writeFile(
    file('ejabberdctl.cfg'),
    [
      // Else ejabberdctl su's to user ejabberd, who cannot write our temp dir.
      'EXEC_CMD=as_current_user',
      `ERLANG_NODE=${shQuote(node)}`,
      ...distribution,
      `EJABBERD_PID_PATH=${shQuote(inside('ejabberd.pid'))}`,
      'EJABBERD_BYPASS_WARNINGS=true',
      '',
    ].join('\n'),
  );

  const baseArgs = [
    '--config-dir', inside(''),
    '--config', inside('ejabberd.yml'),
    '--ctl-config', inside('ejabberdctl.cfg'),
    '--spool', inside('db'),
    '--logs', inside('log'),
  ];
  const runCtl = (args: string[], timeoutMs = CTL_TIMEOUT_MS): Promise<CtlResult> =>
    runCommand(...commandIn(root, EJABBERDCTL, [...baseArgs, ...args]), timeoutMs);
  const ctl = (args: string[]): Promise<CtlResult> => runCtl(args);
  const readPid = (): number | undefined => {
    try {
      const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };

  const instance = {
    dir,
    kill: () => {
      const pid = readPid();
      if (pid !== undefined) killHard(pid);
    },
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      let pid = readPid();
      const r = await runCtl(['stop'], STOP_TIMEOUT_MS);
      if (r.code !== 0) log(`ejabberd: ctl stop exited ${r.code}: ${(r.stdout + r.stderr).trim()}`);
      pid ??= readPid();
      if (pid !== undefined) {
        const beam = pid;
        if (!(await waitUntil(() => !isAlive(beam), STOP_TIMEOUT_MS))) {
          log(`ejabberd: beam ${beam} still running ${STOP_TIMEOUT_MS} ms after stop, killing it`);
          killHard(beam);
          await waitUntil(() => !isAlive(beam), 5_000);
        }
      } else {
        // No pid file: only the node's own answer can tell it is down.
        await ctl(['stopped']);
      }
      stopped(instance);
      await rm(dir, { recursive: true, force: true, maxRetries: 5 });
      log(`ejabberd: stopped, removed ${dir}`);
    })();
    return stopping;
  };

  /** Waits until the node serves (an open port is not readiness). */
  const waitReady = async (timeoutMs = START_TIMEOUT_MS): Promise<void> => {
    // `status` exits 0 only once ejabberd is started. Each status call boots
    // an Erlang VM (~0.45 s of CPU that the starting node wants too), so ask
    // early only once the log says so.
    const deadline = Date.now() + timeoutMs;
    let nextStatusAt = Date.now() + 1_500;
    let last: CtlResult | undefined;
    let seenPid: number | undefined;
    for (;;) {
      if (Date.now() >= nextStatusAt || (await logSaysStarted(logFile))) {
        last = await ctl(['status']);
        if (last.code === 0) break;
        nextStatusAt = Date.now() + 1_000;
      }
      seenPid ??= readPid();
      if (seenPid !== undefined && !isAlive(seenPid)) {
        throw new Error(`ejabberd exited during start-up\n${await logTail(logFile)}`);
      }
      if (Date.now() > deadline) {
        const status = last ? (last.stdout + last.stderr).trim() : 'none';
        throw new Error(
          `ejabberd not started after ${timeoutMs} ms (last status: ${status})\n${await logTail(logFile)}`,
        );
      }
      await pause(50);
    }
    // Listeners start right after the application reports started.
    if (!(await waitUntil(() => portAccepts(c2sPort), deadline - Date.now()))) {
      throw new Error(`ejabberd started but 127.0.0.1:${c2sPort} does not accept\n${await logTail(logFile)}`);
    }
  };

  /** Starts the node and waits until it serves. */
  const boot = async (): Promise<void> => {
    const started = await ctl(['start']);
    if (started.code !== 0) {
      throw new Error(`ejabberdctl start exited ${started.code}: ${(started.stdout + started.stderr).trim()}`);
    }
    await waitReady();
  };

  const where = root ? ` (${root.description} root)` : '';
  await startOrStop(
    instance,
    async () => {
      log(`ejabberd${where}: starting in ${dir}, c2s on 127.0.0.1:${c2sPort}, hosts ${hosts.join(', ')}`);
      await boot();
      if (opts.registerAdmin ?? true) {
        const reg = await ctl(['register', 'admin', host, adminPassword]);
        if (reg.code !== 0) throw new Error(`registering admin@${host} failed: ${(reg.stdout + reg.stderr).trim()}`);
        log(`ejabberd: started (${node}), admin@${host} registered`);
      } else {
        log(`ejabberd: started (${node})`);
      }
    },
    stop,
  );

  return {
    kind: 'ejabberd',
    root,
    dir,
    node,
    distPort,
    pidFile,
    host,
    hosts,
    c2sPort,
    service: `xmpp://127.0.0.1:${c2sPort}`,
    adminJid: `admin@${host}`,
    adminPassword,
    logFile,
    ctl,
    async register(user: string, onHost: string, password: string): Promise<void> {
      const r = await ctl(['register', user, onHost, password]);
      if (r.code !== 0) throw new Error(`registering ${user}@${onHost} failed: ${(r.stdout + r.stderr).trim()}`);
    },
    async restart(): Promise<void> {
      // After a crash (kill -9) the old start-up line is still in the log: start from an empty one.
      await writeFile(logFile, '');
      await rm(pidFile, { force: true });
      await boot();
    },
    waitReady,
    async reconfigure(edit: (config: Record<string, unknown>) => void): Promise<void> {
      edit(config);
      await writeFile(file('ejabberd.yml'), toEjabberdYaml(config));
      const r = await ctl(['reload_config']);
      if (r.code !== 0) throw new Error(`ejabberdctl reload_config exited ${r.code}: ${(r.stdout + r.stderr).trim()}`);
    },
    stop,
  };
}

/**
 * ejabberd rules use integers as keys (`- 100: bridge`); JS objects turn them
 * into strings, which ejabberd would read as shaper names. Emit them unquoted.
 */
function toEjabberdYaml(config: Record<string, unknown>): string {
  const doc = new YAML.Document(config);
  YAML.visit(doc, {
    Pair(_key, pair) {
      if (YAML.isScalar(pair.key) && typeof pair.key.value === 'string' && /^\d+$/.test(pair.key.value)) {
        pair.key.value = Number(pair.key.value);
      }
    },
  });
  return doc.toString({ lineWidth: 0 });
}

function replaceStrings(value: unknown, f: (s: string) => string): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      if (typeof v === 'string') value[i] = f(v);
      else replaceStrings(v, f);
    });
  } else if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === 'string') obj[k] = f(v);
      else replaceStrings(v, f);
    }
  }
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

async function logSaysStarted(logFile: string): Promise<boolean> {
  try {
    return (await readFile(logFile, 'utf8')).includes(' is started in the node ');
  } catch {
    return false;
  }
}

async function logTail(logFile: string, lines = 30): Promise<string> {
  try {
    const text = await readFile(logFile, 'utf8');
    return `last lines of ${logFile}:\n${text.trimEnd().split('\n').slice(-lines).join('\n')}`;
  } catch {
    return `(no ejabberd log at ${logFile})`;
  }
}
