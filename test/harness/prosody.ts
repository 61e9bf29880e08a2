// A throwaway Prosody for integration tests and the demo: the repo's
// prosody.cfg.lua.example, run from a temp dir on a free loopback port, in
// the foreground, as root (run_as_root, see XMPP-FACTS), from the host's
// package (Debian 12: 0.12) or chrooted in a Debian root (./debian-root.ts:
// 13.0.1, 13.0.6). A rooted server's files are in ROOT/tmp and Prosody gets
// their paths as seen inside the root.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Connector } from '../../src/xmpp/connector.js';
import { LoginRefused } from '../../src/contract/xmpp-failures.js';
import { withUserSession } from '../../src/xmpp/login.js';
import { commandIn, fileOf, makeTempDir, mountRoot, seenInside } from './debian-root.js';
import { findAbove, freePort, pause, portAccepts } from './local.js';
import { runCommand, startOrStop, stopped, type CtlResult, type StartServerOptions, type ThrowawayServer } from './throwaway-server.js';

export const PROSODY = '/usr/bin/prosody';
export const PROSODYCTL = '/usr/bin/prosodyctl';
const EXAMPLE_NAME = 'prosody.cfg.lua.example';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export interface StartProsodyOptions extends StartServerOptions {
  /** Change the config text before it is written (ports, paths and hosts already set). */
  edit?: (config: string) => string;
}

export interface ThrowawayProsody extends ThrowawayServer {
  kind: 'prosody';
  /** The config file it runs from, as a host path. */
  configFile: string;
}

/** Finds prosody.cfg.lua.example above this file. */
export function findProsodyExample(): string {
  return findAbove(EXAMPLE_NAME);
}

/** The example with the throwaway's port, paths (`dir`: its temp dir as Prosody sees it) and hosts. */
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
    '-- Throwaway instance (test/harness/prosody.ts): root, foreground, private data.',
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
  const { root } = opts;
  if (!existsSync(fileOf(root, PROSODY))) {
    throw new Error(
      root
        ? `${fileOf(root, PROSODY)} not found: run scripts/install-servers to make the Debian root`
        : `${PROSODY} not found: run scripts/install-ejabberd (it installs Prosody too)`,
    );
  }
  if (root) await mountRoot(root);
  const log = opts.log ?? (() => {});
  const hosts = opts.hosts && opts.hosts.length > 0 ? [...opts.hosts] : ['localhost'];
  const host = hosts[0] as string;
  const adminPassword = opts.adminPassword ?? randomBytes(12).toString('hex');
  const dir = await makeTempDir(root, 'prosody-');
  const configFile = path.join(dir, 'prosody.cfg.lua');
  const insideConfig = seenInside(root, configFile);
  const port = await freePort();
  let child: ChildProcess | undefined;
  const instance = { dir, kill: () => child?.kill('SIGKILL') };

  const ctl = (args: string[]): Promise<CtlResult> =>
    runCommand(...commandIn(root, PROSODYCTL, ['--config', insideConfig, ...args]), 30_000);

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
      stopped(instance);
      await rm(dir, { recursive: true, force: true, maxRetries: 5 });
      log(`prosody: stopped, removed ${dir}`);
    })();
    return stopping;
  };

  const where = root ? ` (${root.description} root)` : '';
  await startOrStop(
    instance,
    async () => {
      let config = throwawayConfig(await readFile(findProsodyExample(), 'utf8'), { dir: seenInside(root, dir), port, hosts });
      if (opts.edit) config = opts.edit(config);
      await mkdir(path.join(dir, 'data'));
      await writeFile(configFile, config);
      // Registered before the start: internal storage is plain files that prosodyctl writes itself.
      const reg = await ctl(['register', 'admin', host, adminPassword]);
      if (reg.code !== 0) throw new Error(`prosodyctl register admin@${host} failed: ${(reg.stdout + reg.stderr).trim()}`);
      log(`prosody${where}: starting in ${dir}, c2s on 127.0.0.1:${port}, hosts ${hosts.join(', ')}`);
      const output: string[] = [];
      // chroot execs prosody: the child's pid is Prosody's own, for SIGTERM and SIGKILL.
      child = spawn(...commandIn(root, PROSODY, ['-F', '--config', insideConfig]), { stdio: ['ignore', 'pipe', 'pipe'] });
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
    },
    stop,
  );

  return {
    kind: 'prosody',
    root,
    dir,
    host,
    hosts,
    c2sPort: port,
    service: `xmpp://127.0.0.1:${port}`,
    adminJid: `admin@${host}`,
    adminPassword,
    logFile: path.join(dir, 'prosody.log'),
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
