// npm run demo: a throwaway ejabberd (from ejabberd.yml.example) plus the
// bridge in front of it, with ready-to-paste curl lines. Ctrl-C removes both.
//
// Ctrl-C signals the terminal's whole foreground process group: npm, tsx, this
// process and any ejabberdctl it runs at that moment. npm and tsx relay the
// signal again, and people press Ctrl-C twice. Two things follow:
//  - a process that stops on the first SIGINT must keep handling the later
//    ones until it is done (with no listener left, SIGINT kills it at once);
//  - an ejabberdctl VM that gets SIGINT hangs in Erlang's BREAK menu until its
//    timeout (20-60 s), or dies before it has done its job.
// So this process only takes the signals: it runs the real work in a worker
// process of its own process group, out of the terminal's reach, and passes
// the first signal on as one SIGTERM. The worker also stops if this process
// dies (its IPC channel closes).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bridge } from '../src/bridge.js';
import type { ThrowawayEjabberd } from '../test/harness/ejabberd.js';

const WORKER_ENV = 'EJABBERD_RESTFUL_DEMO_WORKER';
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

// The terminal may be gone (window closed, npm killed) while we clean up: a
// failed write must not end the process before ejabberd is stopped.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
const say = (text: string) => {
  process.stdout.write(text);
};

if (process.env[WORKER_ENV] === '1') await runWorker();
else runFront();

/** Starts the worker, passes the first stop signal on to it, and exits as the worker does. */
function runFront(): void {
  const worker: ChildProcess = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    // The IPC channel is only there to close: it tells the worker that this process is gone.
    { detached: true, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, [WORKER_ENV]: '1' } },
  );
  let stopping = false;
  // Installed for good: a later SIGINT must find a listener, or it kills this process.
  const onSignal = () => {
    if (stopping) {
      say('Still stopping, please wait...\n');
      return;
    }
    stopping = true;
    // A signal cannot get lost: before the worker's handlers are installed,
    // SIGTERM ends it, and it has started nothing yet.
    worker.kill('SIGTERM');
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  worker.on('error', (error) => {
    process.stderr.write(`cannot start the demo: ${error.message}\n`);
    process.exit(1);
  });
  worker.on('exit', (code) => process.exit(code ?? 1));
}

async function runWorker(): Promise<void> {
  // PORT=0: any free port (the URL printed below names the real one).
  const port = Number(process.env.PORT || 8088);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`PORT must be a port number (0-65535), got ${JSON.stringify(process.env.PORT)}\n`);
    process.exit(2);
  }
  const key = randomBytes(9).toString('base64url');

  let stopRequested = false;
  let resolveStop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    resolveStop = resolve;
  });
  const requestStop = () => {
    if (stopRequested) return;
    stopRequested = true;
    say('\nStopping...\n');
    resolveStop();
  };
  // From the front process, or anyone (kill <pid>); installed for good, like the front's.
  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      if (stopRequested) say('Still stopping, please wait...\n');
      requestStop();
    });
  }
  // The front process is gone (killed, terminal closed): nobody else would stop us.
  process.on('disconnect', requestStop);
  if (!process.connected) requestStop();

  const { startBridge } = await import('../src/bridge.js');
  const { resolveConfig } = await import('../src/config/load.js');
  const { startEjabberd } = await import('../test/harness/ejabberd.js');
  const { createLogger } = await import('../src/log.js');

  let server: ThrowawayEjabberd | undefined;
  let bridge: Bridge | undefined;
  let failed = false;
  try {
    if (!stopRequested) {
      say('Starting a throwaway ejabberd (Debian package) in a temp dir...\n');
      // A stop request meanwhile is acted on once ejabberd is up (startEjabberd
      // cannot be interrupted; on failure it removes what it made).
      server = await startEjabberd({ log: (line) => say(`  ${line}\n`) });
    }
    if (!stopRequested && server) {
      const config = await resolveConfig(
        {
          listen: { host: '127.0.0.1', port },
          xmpp: { service: server.service, jid: server.adminJid, password: server.adminPassword },
          hosts: server.hosts,
          api: [
            { path: 'register', module: 'register', key, hooks: ['private_email'] },
            { path: 'admin', module: 'admin', key, allowed_commands: ['register', 'unregister', 'check_account', 'registered_users', 'connected_users_number'] },
          ],
          // ejabberd.yml.example exempts the bridge from mod_fail2ban (docs/security.md).
          limits: { failed_logins: { server_guard: 'off' } },
          log: { level: process.env.LOG_LEVEL ?? 'warn' },
        },
        { env: {}, baseDir: process.cwd() },
      );
      // The demo is for people: readable log lines.
      bridge = await startBridge(config, createLogger(config.log.level, { pretty: true }));
    }
    if (!stopRequested && server && bridge) {
      printUsage(server, bridge.url, key);
      await stopped;
    }
  } catch (error) {
    failed = true;
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }

  // Each step runs whatever happened in the one before: ejabberd is never left behind.
  try {
    await bridge?.close(2000);
  } catch (error) {
    failed = true;
    process.stderr.write(`closing the bridge failed: ${String(error)}\n`);
  }
  if (server) {
    try {
      await server.stop();
    } catch (error) {
      failed = true;
      process.stderr.write(`stopping ejabberd failed: ${String(error)}; killing it and removing ${server.dir}\n`);
      killAndRemove(server.dir);
    }
  }
  say(failed ? 'Stopped.\n' : 'Stopped; nothing left behind.\n');
  process.exit(failed ? 1 : 0);
}

function printUsage(server: ThrowawayEjabberd, url: string, key: string): void {
  const origin = new URL(url).origin;
  const json = "-H 'Content-Type: application/json'";
  say(`
ejabberd-restful is up at ${url}
  XMPP server: ${server.service} (host ${server.host}, bridge account ${server.adminJid})
  key:         ${key}
  API page:    ${url}/docs   (open it in a browser, type the key into Authorize, then Try it out)

Try:
  curl -s ${json} -d '{"key":"${key}","username":"alice","host":"${server.host}","password":"s3cret","email":"alice@example.org"}' ${url}/register/register
  curl -s '${url}/register/is_registered?key=${key}&username=alice&host=${server.host}'
  curl -s ${json} -d '{"key":"${key}","username":"alice","host":"${server.host}","old_password":"s3cret","new_password":"n3w"}' ${url}/register/change_password
  curl -s ${json} -d '{"key":"${key}","username":"alice","host":"${server.host}","password":"n3w"}' ${url}/register/unregister
  curl -s ${json} -d '{"key":"${key}","command":"registered_users","args":["${server.host}"]}' ${url}/admin

Operations (no key needed):
${[
  [`${origin}/ready`, '200 while the XMPP session is up'],
  [`${origin}/metrics`, 'Prometheus metrics'],
  [`${url}/openapi.json`, 'the OpenAPI 3.1 document of this API'],
]
  .map(([target = '', what = '']) => `  curl -s ${target.padEnd(url.length + 14)} # ${what}`)
  .join('\n')}

Ctrl-C stops the bridge and ejabberd and removes their files.
`);
}

/** The last resort when stop() failed: SIGKILL the VM named in the pid file, remove the dir. */
function killAndRemove(dir: string): void {
  try {
    const pid = Number.parseInt(readFileSync(path.join(dir, 'ejabberd.pid'), 'utf8').trim(), 10);
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // no pid file, or the VM is gone already
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}
