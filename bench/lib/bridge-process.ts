// The bridge as a real process: the CLI compiled by tsc as `npm run build`
// does (into bench/.build, so `npm start`'s dist/ is left alone), or under
// tsx as test/support/bridge-process.ts runs it; on a chosen port, at a quiet
// log level, optionally under `node --cpu-prof`. Ready once /metrics says
// every session of the pool is up (at log level warn there is no "listening"
// line to wait for).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync, rmdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
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
  dir: string;
  typeErrors: number;
  remove(): void;
}

/**
 * Compiles src/ with the project's tsconfig.build.json into BUILD_DIR/<run>.
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
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', dir], { cwd: root, encoding: 'utf8' });
  const entry = path.join(dir, 'src/cli.js');
  if (!existsSync(entry)) {
    remove();
    throw new Error(`compiling the bridge failed:\n${result.stdout}${result.stderr}`);
  }
  const typeErrors = (result.stdout.match(/error TS\d+/g) ?? []).length;
  return { entry, dir, typeErrors, remove };
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
  readyTimeoutMs?: number;
}

export interface BenchBridge {
  pid: number;
  http: HttpTarget;
  output: string[];
  child: ChildProcess;
  /** SIGTERM, wait for the exit; returns the CPU profile written, if any. */
  stop(): Promise<string | undefined>;
}

export async function startBenchBridge(options: BenchBridgeOptions): Promise<BenchBridge> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-bridge-'));
  const file = path.join(dir, 'config.yml');
  const port = await freePort();
  await writeFile(file, YAML.stringify({ ...options.config, listen: { host: '127.0.0.1', port } }));
  const nodeFlags = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const program = options.entry ? [options.entry] : ['--import', 'tsx', path.join(options.root, 'src/cli.ts')];
  const child = spawn(process.execPath, [...nodeFlags, ...program, '--config', file], {
    cwd: options.root,
    env: { ...process.env, EJABBERD_RESTFUL_LOG_PRETTY: '', EJABBERD_RESTFUL_LOG_LEVEL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
    if (output.length > 2000) output.splice(0, output.length - 2000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
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
      await stop();
      throw new Error(`the bridge exited during start-up:\n${output.join('\n')}`);
    }
    const metrics = await http.get('/metrics').catch(() => undefined);
    if (metrics?.status === 200 && wanted.test(metrics.text)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the bridge did not have ${options.sessions} sessions up in time:\n${output.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { pid: child.pid as number, http, output, child, stop };
}
