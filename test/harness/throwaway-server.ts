// One interface for a throwaway XMPP server (ejabberd in ./ejabberd.ts,
// Prosody in ./prosody.ts) started from the repo's example config in a temp
// dir on free loopback ports, from the host's packages or from a Debian root
// (./debian-root.ts); and what starting and stopping them share: a failed
// start stops what it started, and a test process that exits without
// stop() leaves no server and no temp dir behind.
import { execFile as execFileCb } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import type { ServerKind } from '../../src/backends/registry.js';
import type { DebianRoot } from './debian-root.js';

const execFile = promisify(execFileCb);

export interface CtlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface StartServerOptions {
  /** Virtual hosts; default ['localhost']. The bridge account is admin@hosts[0]. */
  hosts?: string[];
  /** Password of admin@hosts[0]; default random. */
  adminPassword?: string;
  /** Run the server of this Debian root (chrooted); default the host's. */
  root?: DebianRoot;
  /** Progress messages. */
  log?: (line: string) => void;
}

export interface ThrowawayServer {
  kind: ServerKind;
  /** The Debian root it runs in; undefined: the host's server. */
  root: DebianRoot | undefined;
  /** Its temp dir, as a host path (inside the root for a rooted server). */
  dir: string;
  host: string;
  hosts: string[];
  c2sPort: number;
  /** e.g. 'xmpp://127.0.0.1:40123', for @xmpp/client's `service`. */
  service: string;
  adminJid: string;
  adminPassword: string;
  /** The server's main log, as a host path. */
  logFile: string;
  /** Runs the server's control program (ejabberdctl, prosodyctl) on this instance; never throws on a non-zero exit. */
  ctl(args: string[]): Promise<CtlResult>;
  /** Stops the server (SIGKILL as a last resort) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Runs a program; its exit code and output, never throwing on a non-zero exit (-1: killed by the timeout). */
export async function runCommand(file: string, args: string[], timeoutMs: number): Promise<CtlResult> {
  try {
    const { stdout, stderr } = await execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: unknown; stderr?: unknown; message?: string };
    if (typeof e.code === 'string') throw err; // could not run it at all (ENOENT, EACCES)
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: typeof e.stdout === 'string' ? e.stdout : '',
      stderr: (typeof e.stderr === 'string' && e.stderr) || (e.message ?? ''),
    };
  }
}

/** A started server's last resort at process exit: kill it (synchronously) and remove its dir. */
export interface LiveInstance {
  dir: string;
  kill(): void;
}

const live = new Set<LiveInstance>();
let exitHookInstalled = false;

/**
 * Runs `start`; if it fails, `stop` cleans up whatever it got to before the
 * error is passed on. Until `stop` has run, `instance` is killed and its dir
 * removed should the process exit first (a crash, Ctrl-C in mocha).
 */
export async function startOrStop<T>(instance: LiveInstance, start: () => Promise<T>, stop: () => Promise<void>): Promise<T> {
  live.add(instance);
  installExitHook();
  try {
    return await start();
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** Called by a server's stop() once it is down: no exit-time kill needed any more. */
export function stopped(instance: LiveInstance): void {
  live.delete(instance);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const instance of live) {
      instance.kill();
      try {
        rmSync(instance.dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  });
}

/** Sends SIGKILL, ignoring a process that is already gone. */
export function killHard(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
