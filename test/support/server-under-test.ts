// The XMPP server a contract test runs against, whichever it is: a
// throwaway ejabberd or Prosody of one version (./server-versions.ts) behind
// one small interface, so the register, admin and protected-accounts suites
// are written once and run against every version
// (`for (const version of SERVER_VERSIONS)` around their describe blocks).
import type { Element } from '@xmpp/xml';
import { ADMIN_OPERATIONS, REGISTER_ENDPOINTS, type Operation, type RegisterEndpoint } from '../../src/backends/backend.js';
import type { ServerKind } from '../../src/backends/registry.js';
import { backendNamed } from '../../src/backends/registry.js';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startProsody, type ThrowawayProsody } from '../harness/prosody.js';
import { executeCommand } from '../../src/xmpp/adhoc.js';
import { ADMIN_NS, adminNode } from '../../src/xmpp/service-admin.js';
import { LoginRefused } from '../../src/contract/xmpp-failures.js';
import type { UserSession } from '../../src/xmpp/login.js';
import { requireRoot } from '../harness/debian-root.js';
import type { ThrowawayServer } from '../harness/throwaway-server.js';
import { asUser, bridgeConfig } from './fixtures.js';
import { SERVER_VERSIONS, hostServer, type ServerVersion } from './server-versions.js';

export { SERVER_VERSIONS, hostServer, type ServerKind, type ServerVersion };

/** How a server differs where both serve an operation (tests assert each server's own truth). */
export interface ServerTraits {
  /** Refuses passwords that fail resourceprep (an emoji, a no-break space): ejabberd. */
  refusesUnpreppedPasswords: boolean;
  /** user-stats tells a missing account by an error note (Prosody); ejabberd answers it like an existing one. */
  userStatsTellsMissing: boolean;
  /** announce ignores a form sent with the first execute and answers its form (Prosody). */
  announceNeedsTwoSteps: boolean;
  /** user-stats' result form names the account (ejabberd's accountjid field). */
  userStatsNamesAccount: boolean;
}

export interface ServerUnderTest {
  kind: ServerKind;
  version: ServerVersion;
  service: string;
  host: string;
  hosts: string[];
  adminJid: string;
  adminPassword: string;
  /** The server's main log, as a host path. */
  logFile: string;
  traits: ServerTraits;
  /** Registers user@host by the server's own means (not through the bridge). */
  register(user: string, host: string, password: string): Promise<void>;
  /** Whether user@host exists, asked of the server by its own means. */
  exists(user: string, host?: string): Promise<boolean>;
  /** Whether `server` accepts this login. */
  canLogIn(user: string, password: string, host?: string): Promise<boolean>;
  /** Runs `work` on an admin session of the test's own. */
  asAdmin<T>(work: (session: UserSession) => Promise<T>): Promise<T>;
  /** Why the server's back end answers 501 for an admin command, or undefined when it serves it. */
  unsupportedCommand(command: Operation): string | undefined;
  unsupportedEndpoint(endpoint: RegisterEndpoint): string | undefined;
  /** The ejabberd instance, for ejabberd-only checks (ejabberdctl); undefined on other servers. */
  ejabberd: ThrowawayEjabberd | undefined;
  stop(): Promise<void>;
}

/** A bridge config for `server` (keyed register mounts, as fixtures.bridgeConfig), with xmpp.server left on auto. */
export function configFor(server: ServerUnderTest, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return bridgeConfig(server, extra);
}

/** Starts a throwaway server of this version; throws (failing the suite) when its root is missing. */
export async function startServer(version: ServerVersion, { hosts }: { hosts?: string[] } = {}): Promise<ServerUnderTest> {
  const root = version.root === undefined ? undefined : requireRoot(version.root);
  if (version.version === undefined) throw new Error(`${version.label}: install it (scripts/install)`);
  switch (version.kind) {
    case 'ejabberd':
      return fromEjabberd(version, await startEjabberd({ hosts, root }));
    case 'prosody':
      return fromProsody(version, await startProsody({ hosts, root }));
  }
}

function base(
  version: ServerVersion,
  server: ThrowawayServer,
): Pick<ServerUnderTest, 'kind' | 'version' | 'service' | 'host' | 'hosts' | 'adminJid' | 'adminPassword' | 'logFile' | 'canLogIn' | 'asAdmin' | 'unsupportedCommand' | 'unsupportedEndpoint'> {
  const { kind } = version;
  const { support } = backendNamed(kind);
  return {
    kind,
    version,
    service: server.service,
    host: server.host,
    hosts: server.hosts,
    adminJid: server.adminJid,
    adminPassword: server.adminPassword,
    logFile: server.logFile,
    async canLogIn(user, password, host = server.host) {
      try {
        await asUser(server.service, { username: user, domain: host, password });
        return true;
      } catch (error) {
        if (error instanceof LoginRefused) return false;
        throw error;
      }
    },
    asAdmin: (work) =>
      asUser(server.service, { username: server.adminJid.split('@')[0] as string, domain: server.host, password: server.adminPassword }, work),
    unsupportedCommand(command) {
      const s = support.admin[command];
      return 'unsupported' in s ? s.unsupported : undefined;
    },
    unsupportedEndpoint(endpoint) {
      const s = support.register[endpoint];
      return 'unsupported' in s ? s.unsupported : undefined;
    },
  };
}

function fromEjabberd(version: ServerVersion, server: ThrowawayEjabberd): ServerUnderTest {
  return {
    ...base(version, server),
    traits: { refusesUnpreppedPasswords: true, userStatsTellsMissing: false, announceNeedsTwoSteps: false, userStatsNamesAccount: true },
    register: (user, host, password) => server.register(user, host, password),
    exists: async (user, host = server.host) => (await server.ctl(['check_account', user, host])).code === 0,
    ejabberd: server,
    stop: () => server.stop(),
  };
}

function fromProsody(version: ServerVersion, server: ThrowawayProsody): ServerUnderTest {
  const common = base(version, server);
  /** Runs an admin node on the account's host from the test's own admin session, failing on an error note. */
  const admin = (host: string, name: string, values: Record<string, string>) =>
    common.asAdmin((session) => executeCommand(session, host, adminNode(name), { FORM_TYPE: ADMIN_NS, ...values }));
  return {
    ...common,
    traits: { refusesUnpreppedPasswords: false, userStatsTellsMissing: true, announceNeedsTwoSteps: true, userStatsNamesAccount: false },
    async register(user, host, password) {
      const result = await admin(host, 'add-user', { accountjid: `${user}@${host}`, password, 'password-verify': password });
      const error = result.notes.find((n) => n.type === 'error');
      if (error) throw new Error(`registering ${user}@${host} failed: ${error.text}`);
    },
    async exists(user, host = server.host) {
      const result = await admin(host, 'user-stats', { accountjid: `${user}@${host}` });
      const error = result.notes.find((n) => n.type === 'error');
      if (error?.text === 'User does not exist') return false;
      if (error) throw new Error(`user-stats ${user}@${host}: ${error.text}`);
      return true;
    },
    ejabberd: undefined,
    stop: () => server.stop(),
  };
}

/** Every command and endpoint a back end declares, for completeness checks. */
export const ALL_COMMANDS: readonly Operation[] = ADMIN_OPERATIONS;
export const ALL_ENDPOINTS: readonly RegisterEndpoint[] = REGISTER_ENDPOINTS;

/** Whether a message is a headline with this body. */
export const hasBody = (text: string) => (message: Element) => message.getChildText('body') === text;
