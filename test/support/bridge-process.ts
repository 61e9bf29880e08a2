// Runs the bridge as a real process (the CLI, under tsx) with a generated
// config file, and talks to it over real HTTP. Readiness comes from the
// bridge's own log lines, never from sleeping.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface BridgeProcess {
  /** e.g. http://127.0.0.1:41234/api */
  url: string;
  /** http://127.0.0.1:41234 */
  origin: string;
  /** Every line the process wrote to stdout and stderr so far. */
  output: string[];
  child: ChildProcess;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  /** Resolves once a log line with this `msg` (and, if given, matching `filter`) has been written. */
  waitForLog(msg: string, filter?: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /**
   * Resolves once every line logged before the call is in `output`: the
   * bridge writes its log in batches, so a test that asserts a line is absent
   * waits for this first. Sends a request of its own (an unknown path) and
   * waits for its access line (logged at info), which comes after them.
   */
  logSettled(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once the process has exited by itself (or been stopped). */
  exited: Promise<number | null>;
}

/**
 * Everything every bridge process of this test run wrote, and every password
 * and key the run used (in configs, bodies, queries and Basic credentials):
 * test/integration/secrets.test.ts checks after the whole run that no secret
 * appears in any output.
 */
export const suiteCapture = { outputs: [] as string[][], secrets: new Set<string>() };

const SECRET_FIELDS = ['key', 'password', 'old_password', 'new_password'];

function captureSecrets(fields: unknown): void {
  if (typeof fields !== 'object' || fields === null) return;
  for (const name of SECRET_FIELDS) {
    const value = (fields as Record<string, unknown>)[name];
    if (typeof value === 'string' && value !== '') suiteCapture.secrets.add(value);
  }
}

function captureRequestSecrets(target: string, body: unknown, headers: Record<string, string>): void {
  if (typeof body === 'string') {
    try {
      captureSecrets(JSON.parse(body));
    } catch {
      // not JSON: nothing to pick out
    }
  } else {
    captureSecrets(body);
  }
  captureSecrets(Object.fromEntries(new URL(target, 'http://x').searchParams));
  const auth = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  const basic = auth && /^Basic\s+(\S+)$/i.exec(auth)?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    suiteCapture.secrets.add(basic);
    const password = decoded.slice(decoded.indexOf(':') + 1);
    if (password !== '') suiteCapture.secrets.add(password);
  }
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

export async function startBridgeProcess(
  config: Record<string, unknown>,
  { waitForXmpp = true, env = {} }: { waitForXmpp?: boolean; env?: Record<string, string> } = {},
): Promise<BridgeProcess> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bridge-test-'));
  const file = path.join(dir, 'config.yml');
  await writeFile(file, YAML.stringify({ listen: { host: '127.0.0.1', port: 0 }, ...config }));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), '--config', file], {
    cwd: ROOT,
    // JSON lines at the configured level, whatever the developer's shell says.
    env: { ...process.env, EJABBERD_RESTFUL_LOG_PRETTY: '', EJABBERD_RESTFUL_LOG_LEVEL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  suiteCapture.outputs.push(output);
  const xmppConfig = config.xmpp as { password?: unknown } | undefined;
  if (typeof xmppConfig?.password === 'string') suiteCapture.secrets.add(xmppConfig.password);
  if (env.EJABBERD_RESTFUL_XMPP_PASSWORD) suiteCapture.secrets.add(env.EJABBERD_RESTFUL_XMPP_PASSWORD);
  for (const mount of Array.isArray(config.api) ? (config.api as unknown[]) : []) captureSecrets(mount);
  const waiters: { msg: string; filter?: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  const seen: Record<string, unknown>[] = [];
  const onLine = (line: string) => {
    output.push(line);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    seen.push(parsed);
    for (const waiter of [...waiters]) {
      if (parsed.msg === waiter.msg && (waiter.filter?.(parsed) ?? true)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(parsed);
      }
    }
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  // 'close', not 'exit': the last lines (flushed as the process exits) are read by then.
  const exited = once(child, 'close');

  const waitForLog = (msg: string, filter?: (l: Record<string, unknown>) => boolean) => {
    const done = seen.find((l) => l.msg === msg && (filter?.(l) ?? true));
    if (done) return Promise.resolve(done);
    return Promise.race([
      new Promise<Record<string, unknown>>((resolve) => waiters.push({ msg, filter, resolve })),
      exited.then(() => {
        throw new Error(`bridge exited before logging "${msg}":\n${output.join('\n')}`);
      }),
    ]);
  };

  const listening = await waitForLog('listening');
  if (waitForXmpp) await waitForLog('xmpp session up');
  const url = String(listening.url);
  const origin = new URL(url).origin;

  const request = async (method: string, target: string, body: unknown, headers: Record<string, string>) => {
    captureRequestSecrets(target, body, headers);
    const response = await fetch(target.startsWith('http') ? target : `${origin}${target}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  };

  return {
    url,
    origin,
    output,
    child,
    post: (target, body, headers = {}) => request('POST', target, body, headers),
    get: (target, headers = {}) => request('GET', target, undefined, headers),
    waitForLog,
    async logSettled() {
      const requestId = `settle-${randomUUID()}`;
      await request('GET', '/log-settled', undefined, { 'X-Request-Id': requestId });
      await waitForLog('request', (line) => line.requestId === requestId);
    },
    exited: exited.then(([code]) => code as number | null),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code] = (await exited) as [number | null];
      await rm(dir, { recursive: true, force: true });
      return code;
    },
  };
}
