// Reads the YAML file, decodes it with ./schema.ts and resolves defaults,
// files and environment overrides. Every problem is reported by the path of
// the option and what was expected; values are never echoed, since any of
// them may be a secret (io-ts's own reporter copies them into messages).
import { readFile } from 'node:fs/promises';
import { isAbsolute, dirname, resolve } from 'node:path';
import * as t from 'io-ts';
import { parseDocument } from 'yaml';
import { SERVER_KINDS } from '../backends/registry.js';
import { nameprep, nodeprep } from '../contract/stringprep.js';
import type { WindowLimit } from '../limits/window.js';
import type { BridgeConfig, Mount } from './config.js';
import { AdminMountFile, ConfigFile, LogLevelCodec, MountHead, RegisterMountFile } from './schema.js';

/** Environment variable that overrides `xmpp.password` / `xmpp.password_file`. */
export const PASSWORD_ENV = 'EJABBERD_RESTFUL_XMPP_PASSWORD';
/** Environment variable that overrides `log.level`. */
export const LOG_LEVEL_ENV = 'EJABBERD_RESTFUL_LOG_LEVEL';
/** Environment variable that, set to 1 or true, turns on `log.pretty`. */
export const LOG_PRETTY_ENV = 'EJABBERD_RESTFUL_LOG_PRETTY';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export async function loadConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BridgeConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`]);
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    // YAML syntax errors carry line/column, not the offending text.
    throw new ConfigError(
      document.errors.map((e) => `YAML syntax error at line ${e.linePos?.[0].line ?? '?'}: ${e.code}`),
    );
  }
  return resolveConfig(document.toJS() as unknown, { env, baseDir: dirname(file) });
}

export async function resolveConfig(
  input: unknown,
  { env, baseDir }: { env: NodeJS.ProcessEnv; baseDir: string },
): Promise<BridgeConfig> {
  const decoded = ConfigFile.decode(input);
  if (decoded._tag === 'Left') throw new ConfigError(report(decoded.left));
  const file = decoded.right;
  const problems: string[] = [];

  const api = file.api.flatMap((entry, index) => {
    const mount = decodeMount(entry);
    if (mount._tag === 'Right') return [mount.right];
    problems.push(...report(mount.left, `api[${index}]`));
    return [];
  });
  const seen = new Set<unknown>();
  for (const [index, entry] of file.api.entries()) {
    const path = (entry as { path?: unknown } | null)?.path;
    if (typeof path === 'string' && seen.has(path)) problems.push(`api[${index}].path: "${path}" is mounted twice`);
    seen.add(path);
  }

  const hosts: string[] = [];
  for (const [index, host] of file.hosts.entries()) {
    const prepared = nameprep(host);
    if (prepared === undefined) problems.push(`hosts[${index}]: expected a valid domain name`);
    else hosts.push(prepared);
  }

  const [local = '', domain = ''] = file.xmpp.jid.split('@');
  const bridgeJid = prepareJid(local, domain);
  if (bridgeJid === undefined) problems.push('xmpp.jid: expected a valid JID (nodeprep / nameprep)');
  const protectedAccounts = [bridgeJid ?? file.xmpp.jid];
  for (const [index, jid] of (file.protected_accounts ?? []).entries()) {
    const [user = '', host = ''] = jid.split('@');
    const prepared = prepareJid(user, host);
    if (prepared === undefined) problems.push(`protected_accounts[${index}]: expected a valid JID (nodeprep / nameprep)`);
    else if (!protectedAccounts.includes(prepared)) protectedAccounts.push(prepared);
  }
  const password = await resolvePassword(file.xmpp, env, baseDir, problems);
  const ca = await readCaFile(file.xmpp.tls?.ca_file, baseDir, problems);
  const envLevel = env[LOG_LEVEL_ENV];
  let level = file.log?.level ?? 'info';
  if (envLevel !== undefined && envLevel !== '') {
    const decodedLevel = LogLevelCodec.decode(envLevel);
    if (decodedLevel._tag === 'Right') level = decodedLevel.right;
    else problems.push(`${LOG_LEVEL_ENV}: expected ${describe('LogLevel')}`);
  }
  const envPretty = env[LOG_PRETTY_ENV];
  if (problems.length > 0) throw new ConfigError(problems);

  const failedLogins = file.limits?.failed_logins;
  const inFlight = file.limits?.xmpp_in_flight;
  const requestTimeoutMs = file.xmpp.request_timeout_ms ?? 10_000;
  return {
    listen: { host: file.listen?.host ?? '127.0.0.1', port: file.listen?.port ?? 8088 },
    basePath: file.base_path ?? '/api',
    xmpp: {
      services: typeof file.xmpp.service === 'string' ? [file.xmpp.service] : [...new Set(file.xmpp.service)],
      jid: { local, domain },
      server: file.xmpp.server ?? 'auto',
      password: password ?? '',
      requestTimeoutMs,
      // ejabberd runs a session's IQs on one core: 4 use a typical server's.
      sessions: file.xmpp.sessions ?? 4,
      reconnect: {
        initialDelayMs: file.xmpp.reconnect?.initial_delay_ms ?? 500,
        maxDelayMs: file.xmpp.reconnect?.max_delay_ms ?? 30_000,
      },
      keepalive: {
        idleMs: file.xmpp.keepalive?.idle_ms ?? 30_000,
        timeoutMs: file.xmpp.keepalive?.timeout_ms ?? requestTimeoutMs,
        maxTimeouts: file.xmpp.keepalive?.max_timeouts ?? 3,
      },
      tls: {
        ca,
        serverName: file.xmpp.tls?.server_name,
        rejectUnauthorized: file.xmpp.tls?.reject_unauthorized ?? true,
      },
    },
    hosts,
    protectedAccounts,
    trustedProxies: file.trusted_proxies ?? [],
    api,
    limits: {
      bodyBytes: file.limits?.body_bytes ?? 64 * 1024,
      failedLogins: {
        perAccount: windowLimit(failedLogins?.per_account, { max: 5, windowSeconds: 900 }),
        perClient: windowLimit(failedLogins?.per_client, { max: 20, windowSeconds: 900 }),
        // Below mod_fail2ban's default of 20 failures per hour from one address.
        serverGuard: windowLimit(failedLogins?.server_guard, { max: 15, windowSeconds: 3600 }),
      },
      // ejabberd's throughput is reached with a few dozen requests in flight
      // (XMPP-FACTS: ~120 SCRAM registrations/s at 8, ~1,500 plain at 64);
      // more only queue inside the server, past the caller's deadline.
      xmppInFlight: { max: inFlight?.max ?? 64, queue: inFlight?.queue ?? 256, queueWaitMs: inFlight?.queue_wait_ms ?? 2000 },
      requestReceiveMs: file.limits?.request_receive_ms ?? 10_000,
      store: file.limits?.store,
    },
    log: {
      level,
      pretty: envPretty !== undefined && envPretty !== '' ? /^(1|true|yes)$/i.test(envPretty) : (file.log?.pretty ?? false),
    },
    shutdown: { gracePeriodMs: file.shutdown?.grace_period_ms ?? 10_000 },
    metrics: {
      enabled: file.metrics?.enabled ?? true,
      listen: file.metrics?.listen && {
        host: file.metrics.listen.host ?? '127.0.0.1',
        port: file.metrics.listen.port ?? 9464,
      },
    },
    cors: file.cors && { allowedOrigins: file.cors.allowed_origins },
    docs: { enabled: file.docs?.enabled ?? true },
  };
}

/** An option's limit, its default when absent, undefined when 'off'. */
function windowLimit(
  value: { max: number; window_seconds: number } | 'off' | undefined,
  fallback: WindowLimit,
): WindowLimit | undefined {
  if (value === 'off') return undefined;
  return value === undefined ? fallback : { max: value.max, windowSeconds: value.window_seconds };
}

function prepareJid(user: string, host: string): string | undefined {
  const u = nodeprep(user);
  const h = nameprep(host);
  return u === undefined || h === undefined ? undefined : `${u}@${h}`;
}

/** The PEM text of `xmpp.tls.ca_file` (relative to the config file's folder). */
async function readCaFile(
  caFile: string | undefined,
  baseDir: string,
  problems: string[],
): Promise<string | undefined> {
  if (caFile === undefined) return undefined;
  const path = isAbsolute(caFile) ? caFile : resolve(baseDir, caFile);
  try {
    const pem = await readFile(path, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      problems.push(`xmpp.tls.ca_file: ${path} holds no PEM certificate`);
    }
    return pem;
  } catch (error) {
    problems.push(`xmpp.tls.ca_file: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

function decodeMount(entry: unknown): t.Validation<Mount> {
  const head = MountHead.decode(entry);
  if (head._tag === 'Left') return head;
  if (head.right.module === 'register') {
    const mount = RegisterMountFile.decode(entry);
    if (mount._tag === 'Left') return mount;
    const { path, key, hooks } = mount.right;
    return t.success({ module: 'register', path, key, hooks: hooks ?? [] });
  }
  const mount = AdminMountFile.decode(entry);
  if (mount._tag === 'Left') return mount;
  const { path, key, allowed_commands, allowed_nodes } = mount.right;
  return t.success({
    module: 'admin',
    path,
    key,
    allowedCommands: allowed_commands ?? [],
    allowedNodes: allowed_nodes ?? [],
  });
}

async function resolvePassword(
  xmpp: ConfigFile['xmpp'],
  env: NodeJS.ProcessEnv,
  baseDir: string,
  problems: string[],
): Promise<string | undefined> {
  const fromEnv = env[PASSWORD_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (xmpp.password !== undefined && xmpp.password_file !== undefined) {
    problems.push('xmpp: give either password or password_file, not both');
    return undefined;
  }
  if (xmpp.password !== undefined) return xmpp.password;
  if (xmpp.password_file === undefined) {
    problems.push(`xmpp.password: required (or xmpp.password_file, or the ${PASSWORD_ENV} environment variable)`);
    return undefined;
  }
  const path = isAbsolute(xmpp.password_file) ? xmpp.password_file : resolve(baseDir, xmpp.password_file);
  try {
    const secret = (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
    if (secret === '') problems.push(`xmpp.password_file: ${path} is empty`);
    return secret;
  } catch (error) {
    problems.push(`xmpp.password_file: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

const EXPECTED: Record<string, string> = {
  NonEmptyString: 'a non-empty string',
  Port: 'a port number (0-65535)',
  PositiveInt: 'a positive whole number',
  NonNegativeInt: 'a whole number, 0 or more',
  AddressOrSubnet: 'an IP address or a subnet such as 10.0.0.0/8',
  WindowLimit: 'a mapping { max, window_seconds }',
  Segment: 'a path segment (letters, digits, . _ ~ -)',
  AbsolutePath: 'a path such as /api',
  CorsOrigin: 'an origin such as https://app.example.org, or "*"',
  boolean: 'true or false',
  XmppServiceUrl: 'a URL such as xmpp://127.0.0.1:5222 or xmpps://host:5223',
  NonEmptyServiceList: 'a non-empty list of such URLs',
  RedisUrl: 'a URL such as redis://127.0.0.1:6379 or redis://host:6379/2',
  BareJid: 'a bare JID such as admin@localhost',
  XmppServer: `one of auto, ${SERVER_KINDS.join(', ')}`,
  NonEmptyHostList: 'a non-empty list of host names',
  LogLevel: 'one of fatal, error, warn, info, debug, trace, silent',
  Mount: 'an entry with module: register or admin',
  string: 'a string',
  number: 'a number',
  never: 'nothing (unknown option)',
  Config: 'a mapping of options (see ejabberd-restful.yml.example)',
};

/** One line per failing path: "xmpp.port: expected ..., got a string". Never the value. */
export function report(errors: t.Errors, prefix = ''): string[] {
  const byPath = new Map<string, { expected: string[]; actual: unknown }>();
  for (const error of errors) {
    // The `undefined` branch of an optional option says nothing useful.
    if (error.context[error.context.length - 1]?.type.name === 'undefined') continue;
    let path = prefix;
    error.context.forEach((entry, i) => {
      const parent = error.context[i - 1]?.type;
      if (i === 0 || parent instanceof t.UnionType) return;
      path += /^\d+$/.test(entry.key) ? `[${entry.key}]` : path === '' ? entry.key : `.${entry.key}`;
    });
    const last = error.context[error.context.length - 1];
    const expected = error.message ?? describe(last?.type.name ?? 'value');
    const slot = byPath.get(path) ?? { expected: [], actual: error.value };
    if (!slot.expected.includes(expected)) slot.expected.push(expected);
    byPath.set(path, slot);
  }
  return [...byPath].map(([path, { expected, actual }]) => {
    const wanted = expected.filter((e) => e !== 'undefined');
    const what = wanted.length > 0 ? wanted.join(' or ') : 'a value';
    if (what === 'unknown option') return `${path || '(top level)'}: unknown option`;
    return `${path || '(top level)'}: expected ${what}${actual === undefined ? ' (missing)' : `, got ${kindOf(actual)}`}`;
  });
}

function describe(typeName: string): string {
  if (EXPECTED[typeName] !== undefined) return EXPECTED[typeName];
  const literal = /^"(.*)"$/.exec(typeName);
  if (literal) return `"${literal[1]}"`;
  return typeName.replace(/\bNonEmptyString\b/g, 'string');
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}
