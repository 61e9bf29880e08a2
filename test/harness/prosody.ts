// A throwaway Prosody (Debian's 0.12) for integration tests and the demo:
// the repo's prosody.cfg.lua.example, run from a temp dir on a free loopback
// port, in the foreground, as root (run_as_root, see XMPP-FACTS).
import { spawn, execFile as execFileCb, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connector } from '../xmpp/connector.js';
import { LoginRefused } from '../xmpp/errors.js';
import { withUserSession } from '../xmpp/login.js';
import { findAbove, portAccepts } from './local.js';

const execFile = promisify(execFileCb);

export const PROSODY = '/usr/bin/prosody';
export const PROSODYCTL = '/usr/bin/prosodyctl';
const EXAMPLE_NAME = 'prosody.cfg.lua.example';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export interface StartProsodyOptions {
  /** Virtual hosts; default ['localhost']. The bridge account is admin@hosts[0]. */
  hosts?: string[];
  /** Password of admin@hosts[0]; default random. */
  adminPassword?: string;
  /** Change the config text before it is written (ports, paths and hosts already set). */
  edit?: (config: string) => string;
  log?: (line: string) => void;
}

export interface ThrowawayProsody {
  dir: string;
  host: string;
  hosts: string[];
  c2sPort: number;
  /** e.g. 'xmpp://127.0.0.1:40123'. */
  service: string;
  adminJid: string;
  adminPassword: string;
  /** The config file it runs from. */
  configFile: string;
  /** Runs `prosodyctl --config <file> <args>`; never throws on a non-zero exit. */
  ctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Stops the process (SIGKILL as a last resort) and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Finds prosody.cfg.lua.example above this file. */
export function findProsodyExample(): string {
  return findAbove(EXAMPLE_NAME);
}

export function throwawayConfig(example: string, { dir, port, hosts }: { dir: string; port: number; hosts: string[] }): string {
  const host = hosts[0] as string;
  const lua = (s: string) => JSON.stringify(s);
  let text = example
    .replace(/"admin@localhost"/g, lua(`admin@${host}`))
    .replace(/^c2s_ports = .*$/m, `c2s_ports = { ${port} }`)
    .replace(/^pidfile = .*$/m, `pidfile = ${lua(path.join(dir, 'prosody.pid'))}`)
    .replace(/^log = \{[^}]*\}/m, `log = { debug = ${lua(path.join(dir, 'prosody.log'))}; error = ${lua(path.join(dir, 'prosody.err'))}; }`)
    .replace(/^VirtualHost .*$/gm, '');
  text = [
    '-- Throwaway instance (src/dev/prosody.ts): root, foreground, private data.',
    'run_as_root = true',
    'daemonize = false',
    `data_path = ${lua(path.join(dir, 'data'))}`,
    text.trimEnd(),
    ...hosts.map((h) => `VirtualHost ${lua(h)}`),
    '',
  ].join('\n');
  return text;
}

export async function startProsody(opts: StartProsodyOptions = {}): Promise<ThrowawayProsody> {
  if (!existsSync(PROSODY)) throw new Error(`${PROSODY} not found: run scripts/install-ejabberd (it installs Prosody too)`);
  const log = opts.log ?? (() => {});
  const hosts = opts.hosts && opts.hosts.length > 0 ? [...opts.hosts] : ['localhost'];
  const host = hosts[0] as string;
  const adminPassword = opts.adminPassword ?? randomBytes(12).toString('hex');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'prosody-'));
  const configFile = path.join(dir, 'prosody.cfg.lua');
  const port = await freePort();
  let child: ChildProcess | undefined;
  const instance = { dir, child: () => child };
  live.add(instance);
  installExitHook();

  const ctl = async (args: string[]) => {
    try {
      const { stdout, stderr } = await execFile(PROSODYCTL, ['--config', configFile, ...args], { timeout: 30_000, encoding: 'utf8' });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: unknown; stdout?: unknown; stderr?: unknown; message?: string };
      if (typeof e.code === 'string') throw err;
      return {
        code: typeof e.code === 'number' ? e.code : -1,
        stdout: typeof e.stdout === 'string' ? e.stdout : '',
        stderr: (typeof e.stderr === 'string' && e.stderr) || (e.message ?? ''),
      };
    }
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const running = child;
      if (running && running.exitCode === null && running.signalCode === null) {
        const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
        running.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS)));
        if (await Promise.race([exited.then(() => false), timedOut])) {
          log(`prosody: still running ${STOP_TIMEOUT_MS} ms after SIGTERM, killing it`);
          running.kill('SIGKILL');
          await exited;
        }
        clearTimeout(timer);
      }
      live.delete(instance);
      await rm(dir, { recursive: true, force: true, maxRetries: 5 });
      log(`prosody: stopped, removed ${dir}`);
    })();
    return stopping;
  };

  try {
    let config = throwawayConfig(await readFile(findProsodyExample(), 'utf8'), { dir, port, hosts });
    if (opts.edit) config = opts.edit(config);
    await mkdir(path.join(dir, 'data'));
    await writeFile(configFile, config);
    // Registered before the start: internal storage is plain files that prosodyctl writes itself.
    const reg = await ctl(['register', 'admin', host, adminPassword]);
    if (reg.code !== 0) throw new Error(`prosodyctl register admin@${host} failed: ${(reg.stdout + reg.stderr).trim()}`);
    log(`prosody: starting in ${dir}, c2s on 127.0.0.1:${port}, hosts ${hosts.join(', ')}`);
    const output: string[] = [];
    child = spawn(PROSODY, ['-F', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      if (output.length > 200) output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const started = child;
    const exited = new Promise<never>((_, reject) =>
      started.once('exit', (code, signal) =>
        reject(new Error(`prosody exited during start-up (${signal ?? code})\n${output.join('').slice(-3000)}`)),
      ),
    );
    exited.catch(() => undefined);
    // Ready once the bridge account can log in (an open port is not enough: hosts activate after it).
    await Promise.race([waitForLogin(port, host, adminPassword), exited]);
    log(`prosody: started, admin@${host} logs in`);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  return {
    dir,
    host,
    hosts,
    c2sPort: port,
    service: `xmpp://127.0.0.1:${port}`,
    adminJid: `admin@${host}`,
    adminPassword,
    configFile,
    ctl,
    stop,
  };
}

/** Polls logins of the admin account until one succeeds (each attempt is quick on loopback). */
async function waitForLogin(port: number, host: string, password: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const connector = new Connector({ services: [`xmpp://127.0.0.1:${port}`], timeoutMs: 2000 });
  let last: unknown;
  while (Date.now() < deadline) {
    if (await portAccepts(port)) {
      try {
        await withUserSession(connector, { username: 'admin', domain: host, password }, () => Promise.resolve(), {
          requestTimeoutMs: 2000,
        });
        return;
      } catch (error) {
        // A refused login is final: the account or the config is wrong.
        if (error instanceof LoginRefused) throw new Error(`prosody refuses the login of admin@${host}: ${error.condition}`, { cause: error });
        last = error;
      }
    }
    await pause(50);
  }
  throw new Error(`prosody not ready after ${START_TIMEOUT_MS} ms: ${String(last)}`);
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The poll interval between readiness checks (not a wait for readiness itself). */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// If the process exits without stop(), leave no Prosody and no temp dir behind.
const live = new Set<{ dir: string; child: () => ChildProcess | undefined }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const { dir, child } of live) {
      child()?.kill('SIGKILL');
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  });
}
