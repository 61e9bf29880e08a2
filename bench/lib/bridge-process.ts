// The bridge as a real process: the CLI compiled by tsc as `npm run build`
// does (into bench/.build, so `npm start`'s dist/ is left alone), or under
// tsx as test/support/bridge-process.ts runs it; on a chosen port, its log
// lines written to a file (read back only if it fails to start), optionally
// under `node --cpu-prof` or with heap snapshots on a signal. Ready once
// /metrics says every session of the pool is up. And K, the bare Koa app
// (bench/koa-baseline.ts), compiled with it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync, rmdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { freePort } from '../../test/harness/local.js';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { HttpTarget } from './http-client.js';

/** Where buildBridge() puts the compiled CLI (a directory per run), relative to the project root. */
export const BUILD_DIR = 'bench/.build';

export interface BridgeBuild {
  /** bench/.build/<run>/src/cli.js */
  entry: string;
  /** bench/.build/<run>/bench/koa-baseline.js */
  koaEntry: string;
  dir: string;
  typeErrors: number;
  remove(): void;
}

/**
 * Compiles src/ with the project's tsconfig.build.json (through
 * bench/tsconfig.build.json, which adds K) into BUILD_DIR/<run>.
 * Type errors do not stop it (tsc emits anyway) as long as the CLI came out:
 * the tree may be mid-change; they are counted.
 */
export function buildBridge(root: string, run: string): BridgeBuild {
  const tsc = createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
  const dir = path.join(root, BUILD_DIR, run);
  const remove = () => {
    rmSync(dir, { recursive: true, force: true });
    try {
      rmdirSync(path.dirname(dir)); // bench/.build itself, once no run uses it
    } catch {
      // another run's build is there, or it is already gone
    }
  };
  remove();
  const result = spawnSync(process.execPath, [tsc, '-p', 'bench/tsconfig.build.json', '--outDir', dir], { cwd: root, encoding: 'utf8' });
  const entry = path.join(dir, 'src/cli.js');
  if (!existsSync(entry)) {
    remove();
    throw new Error(`compiling the bridge failed:\n${result.stdout}${result.stderr}`);
  }
  const typeErrors = (result.stdout.match(/error TS\d+/g) ?? []).length;
  return { entry, koaEntry: path.join(dir, 'bench/koa-baseline.js'), dir, typeErrors, remove };
}

export interface BenchBridgeOptions {
  root: string;
  /** The compiled CLI (buildBridge); without it, src/cli.ts runs under tsx. */
  entry?: string;
  config: Record<string, unknown>;
  /** Sessions the pool must have up before the bridge counts as ready. */
  sessions: number;
  /** Write a V8 CPU profile into this directory when the process exits. */
  cpuProfileDir?: string;
  /** Let the bridge write a V8 heap snapshot into this directory on SIGUSR2. */
  heapSnapshotDir?: string;
  readyTimeoutMs?: number;
}

export interface BenchBridge {
  pid: number;
  http: HttpTarget;
  /** The last lines it wrote (its log), read at start-up failures only. */
  output(): Promise<string>;
  child: ChildProcess;
  /** SIGTERM, wait for the exit; returns the CPU profile written, if any. */
  stop(): Promise<string | undefined>;
}

export async function startBenchBridge(options: BenchBridgeOptions): Promise<BenchBridge> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-bridge-'));
  const file = path.join(dir, 'config.yml');
  const port = await freePort();
  await writeFile(file, YAML.stringify({ ...options.config, listen: { host: '127.0.0.1', port } }));
  const nodeFlags = [
    // As npm start, the bin and the systemd unit run it.
    '--max-semi-space-size=32',
    ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
    ...(options.heapSnapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${options.heapSnapshotDir}`] : []),
  ];
  const program = options.entry ? [options.entry] : ['--import', 'tsx', path.join(options.root, 'src/cli.ts')];
  // A file, not a pipe: reading and splitting a line per request would be load generator work.
  const logFile = path.join(dir, 'bridge.log');
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...nodeFlags, ...program, '--config', file], {
    cwd: options.root,
    env: { ...process.env, EJABBERD_RESTFUL_LOG_PRETTY: '', EJABBERD_RESTFUL_LOG_LEVEL: '' },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const output = async () => {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    return text.slice(-20_000);
  };
  const exited = once(child, 'exit');
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const http = new HttpTarget(`http://127.0.0.1:${port}`);
  const stop = async (): Promise<string | undefined> => {
    http.close();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
    if (!options.cpuProfileDir) return undefined;
    const profiles = (await readdir(options.cpuProfileDir)).filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${child.pid}.`));
    return profiles[0] && path.join(options.cpuProfileDir, profiles[0]);
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  const wanted = new RegExp(`^ejabberd_restful_xmpp_sessions_up ${options.sessions}$`, 'm');
  for (;;) {
    if (hasExited) {
      const lines = await output();
      await stop();
      throw new Error(`the bridge exited during start-up:\n${lines}`);
    }
    const metrics = await http.get('/metrics').catch(() => undefined);
    if (metrics?.status === 200 && wanted.test(metrics.text)) break;
    if (Date.now() > deadline) {
      const lines = await output();
      await stop();
      throw new Error(`the bridge did not have ${options.sessions} sessions up in time:\n${lines}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { pid: child.pid as number, http, output, child, stop };
}

export interface KoaBaseline {
  pid: number;
  http: HttpTarget;
  stop(): Promise<void>;
}

/** Starts K (bench/koa-baseline.ts): compiled with the bridge, or under tsx. */
export async function startKoaBaseline(root: string, entry: string | undefined): Promise<KoaBaseline> {
  const port = await freePort();
  const program = entry ? [entry] : ['--import', 'tsx', path.join(root, 'bench/koa-baseline.ts')];
  const child = spawn(process.execPath, [...program, String(port)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  let started = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      started += chunk.toString('utf8');
      if (started.includes('\n')) {
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    void exited.then(() => reject(new Error('K (the bare Koa app) exited during start-up')));
  });
  const http = new HttpTarget(`http://127.0.0.1:${port}`);
  return {
    pid: child.pid as number,
    http,
    stop: async () => {
      http.close();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
