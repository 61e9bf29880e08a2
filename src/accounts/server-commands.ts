// ejabberd's server commands (register, kick_user, get_last, ...) carried out
// as XEP-0133 ad-hoc commands from the bridge's own session, in the
// contract's terms. Before anything is sent, each operation checks that the
// server offers its nodes (./server-capabilities.ts) and, for a caller
// authenticated as an XMPP admin, that the server would let that caller run
// them itself; then it rules out what mod_configure would only report as a
// bare <item-not-found/>.
import { executeCommand, type FieldValues } from '../xmpp/adhoc.js';
import {
  addUser,
  adminNode,
  announce,
  changeUserPassword,
  deleteMotd,
  deleteUsers,
  endUserSession,
  onlineResources,
  onlineSessionsCount,
  onlineUserJids,
  readLastLogin,
  registeredUserJids,
  registeredUsersCount,
  setMotd,
  type AdminNodeName,
} from '../xmpp/admin-commands.js';
import type { IqRequester } from '../xmpp/in-band-registration.js';
import { nameprep, nodeprep } from '../xmpp/stringprep.js';
import type { ProtectedAccounts } from './protected-accounts.js';
import { assertStorablePassword, jidOf, type Account, type Accounts } from './accounts.js';
import { requireOffered, type AdminGrant } from './admin-login.js';
import { attempt, type Explanations } from './xmpp-outcome.js';
import { missingNodes, type MissingNode, type OfferedNodes, type ServerCapabilities } from './server-capabilities.js';

/** Who a command runs for: a key-holder acts with the bridge's own rights, a Basic caller with its own. */
export type Authority = { kind: 'bridge' } | { kind: 'admin'; grant: AdminGrant };

/** The ad-hoc nodes each operation sends; the `*_all` ones run on every configured host. */
export const OPERATION_NODES = {
  register: ['add-user'],
  unregister: ['get-user-lastlogin', 'delete-user'],
  change_password: ['get-user-lastlogin', 'change-user-password'],
  check_account: ['get-user-lastlogin'],
  registered_users: ['get-registered-users-list'],
  registered_users_number: ['get-registered-users-num'],
  connected_users: ['get-online-users-list', 'user-stats'],
  connected_users_number: ['get-online-users-num'],
  kick_user: ['user-stats', 'end-user-session'],
  get_last: ['get-user-lastlogin'],
  send_announcement: ['announce'],
  set_motd: ['set-motd'],
  delete_motd: ['delete-motd'],
} as const satisfies Record<string, readonly AdminNodeName[]>;

export type Operation = keyof typeof OPERATION_NODES;

/** Operations that span all hosts rather than one. */
const ALL_HOSTS: ReadonlySet<Operation> = new Set(['connected_users', 'connected_users_number']);

export interface LastActivity {
  /** Undefined when the server has no record of the account. */
  at: Date | undefined;
  /** ejabberd's status words: 'ONLINE', 'NOT FOUND'; '' for an offline account (its last status text is not available over XMPP). */
  status: string;
}

export interface ServerCommandsDeps {
  /** The bridge's own admin session. */
  session: IqRequester;
  accounts: Accounts;
  capabilities: ServerCapabilities;
  hosts: readonly string[];
  /** Never registered, removed, re-passworded or kicked through the bridge. */
  protectedAccounts: ProtectedAccounts;
}

/** How many user-stats requests connected_users keeps in flight. */
const PARALLEL_LOOKUPS = 8;

export class ServerCommands {
  readonly #deps: ServerCommandsDeps;

  constructor(deps: ServerCommandsDeps) {
    this.#deps = deps;
  }

  /** What the server lacks for `operation` on any host, by a listing (for start-up warnings). */
  missingFor(operation: Operation, offered: OfferedNodes): MissingNode[] {
    return missingNodes(offered, OPERATION_NODES[operation].map(adminNode), this.#hostsOf(operation, undefined));
  }

  async register(authority: Authority, account: Account, password: string): Promise<void> {
    await this.#permit(authority, 'register', account.host);
    this.#deps.protectedAccounts.assertMutable(account);
    assertStorablePassword(password);
    await attempt(() => addUser(this.#deps.session, account.host, jidOf(account), password), {
      conflict: ['exists', `${jidOf(account)} is already registered`],
      'not-allowed': ['not_allowed', 'the XMPP server does not allow registration on this host'],
    });
  }

  async unregister(authority: Authority, account: Account): Promise<void> {
    await this.#permit(authority, 'unregister', account.host);
    this.#deps.protectedAccounts.assertMutable(account);
    await this.#deps.accounts.assertExists(account);
    // With the account seen and the JID valid, mod_configure's only crash left is a missing account.
    await attempt(() => deleteUsers(this.#deps.session, account.host, [jidOf(account)]), this.#gone(account));
  }

  async changePassword(authority: Authority, account: Account, password: string): Promise<void> {
    await this.#permit(authority, 'change_password', account.host);
    this.#deps.protectedAccounts.assertMutable(account);
    assertStorablePassword(password);
    await this.#deps.accounts.assertExists(account);
    await attempt(
      () => changeUserPassword(this.#deps.session, account.host, jidOf(account), password),
      this.#gone(account),
    );
  }

  async checkAccount(authority: Authority, account: Account): Promise<boolean> {
    await this.#permit(authority, 'check_account', account.host);
    return this.#deps.accounts.isRegistered(account);
  }

  async registeredUsers(authority: Authority, host: string): Promise<string[]> {
    await this.#permit(authority, 'registered_users', host);
    const jids = await attempt(() => registeredUserJids(this.#deps.session, host));
    return byUtf8(jids.map((jid) => jid.slice(0, jid.indexOf('@'))).filter((name) => name !== ''));
  }

  async registeredUsersNumber(authority: Authority, host: string): Promise<number> {
    await this.#permit(authority, 'registered_users_number', host);
    return attempt(() => registeredUsersCount(this.#deps.session, host));
  }

  /** Full JIDs of every session on every configured host. */
  async connectedUsers(authority: Authority): Promise<string[]> {
    await this.#permit(authority, 'connected_users', undefined);
    const { session, hosts } = this.#deps;
    const accounts = (await attempt(() => Promise.all(hosts.map((host) => onlineUserJids(session, host))))).flat();
    const sessions = await attempt(() =>
      inBatches(accounts, PARALLEL_LOOKUPS, async (jid) => {
        const resources = await onlineResources(session, jid.slice(jid.indexOf('@') + 1), jid);
        return resources.map((resource) => `${jid}/${resource}`);
      }),
    );
    return byUtf8(sessions.flat());
  }

  async connectedUsersNumber(authority: Authority): Promise<number> {
    await this.#permit(authority, 'connected_users_number', undefined);
    const { session, hosts } = this.#deps;
    const counts = await attempt(() => Promise.all(hosts.map((host) => onlineSessionsCount(session, host))));
    return counts.reduce((sum, n) => sum + n, 0);
  }

  /** Ends every session of the account; answers how many there were (0 for an unknown account, like ejabberd). */
  async kickUser(authority: Authority, account: Account): Promise<number> {
    await this.#permit(authority, 'kick_user', account.host);
    this.#deps.protectedAccounts.assertMutable(account);
    const { session } = this.#deps;
    const resources = await attempt(() => onlineResources(session, account.host, jidOf(account)));
    if (resources.length === 0) return 0;
    await attempt(() => endUserSession(session, account.host, jidOf(account)));
    return resources.length;
  }

  async lastActivity(authority: Authority, account: Account): Promise<LastActivity> {
    await this.#permit(authority, 'get_last', account.host);
    const last = await attempt(() => readLastLogin(this.#deps.session, account.host, jidOf(account)));
    switch (last.kind) {
      case 'online':
        return { at: new Date(), status: 'ONLINE' };
      case 'never':
        return { at: undefined, status: 'NOT FOUND' };
      case 'at':
        return { at: last.time, status: '' };
      case 'recorded':
        return { at: undefined, status: '' };
    }
  }

  async sendAnnouncement(authority: Authority, host: string, subject: string, body: string): Promise<void> {
    await this.#permit(authority, 'send_announcement', host);
    await attempt(() => announce(this.#deps.session, host, subject, body), NO_BODY);
  }

  async setMotd(authority: Authority, host: string, subject: string, body: string): Promise<void> {
    await this.#permit(authority, 'set_motd', host);
    await attempt(() => setMotd(this.#deps.session, host, subject, body), NO_BODY);
  }

  async deleteMotd(authority: Authority, host: string): Promise<void> {
    await this.#permit(authority, 'delete_motd', host);
    await attempt(() => deleteMotd(this.#deps.session, host));
  }

  /**
   * Executes any node the server offers (the escape hatch); answers the
   * result form's fields, multi-valued ones as lists. An empty `fields`
   * submits nothing, so the answer is the node's form or its immediate result.
   */
  async runNode(
    authority: Authority,
    host: string,
    node: string,
    fields: FieldValues,
  ): Promise<Record<string, string | string[]>> {
    await this.#deps.capabilities.require([node], [host]);
    if (authority.kind === 'admin') requireOffered(authority.grant, [node], [host]);
    // A node can act on any account its form names (delete-user, change-user-password, ...).
    this.#deps.protectedAccounts.assertNotNamed(Object.values(fields).flat(), prepareBareJid);
    const submitted = Object.keys(fields).length > 0 ? fields : undefined;
    const result = await attempt(() => executeCommand(this.#deps.session, host, node, submitted), {
      'bad-request': ['bad_request', 'the XMPP server refused the submitted form as malformed'],
      'not-acceptable': ['bad_request', 'the XMPP server did not accept the submitted form'],
      conflict: ['exists', 'the XMPP server answered conflict (it already exists)'],
    });
    const form: Record<string, string | string[]> = {};
    for (const { name, type, values } of result.form) {
      if (name === 'FORM_TYPE') continue;
      form[name] = type?.endsWith('-multi') ? values : (values[0] ?? '');
    }
    return form;
  }

  async #permit(authority: Authority, operation: Operation, host: string | undefined): Promise<void> {
    const nodes = OPERATION_NODES[operation].map(adminNode);
    const hosts = this.#hostsOf(operation, host);
    await this.#deps.capabilities.require(nodes, hosts);
    if (authority.kind === 'admin') requireOffered(authority.grant, nodes, hosts);
  }

  #hostsOf(operation: Operation, host: string | undefined): readonly string[] {
    if (ALL_HOSTS.has(operation)) return this.#deps.hosts;
    return host === undefined ? this.#deps.hosts : [host];
  }

  #gone(account: Account): Explanations {
    return { 'item-not-found': ['not_exists', `${jidOf(account)} is not registered`] };
  }
}

/** user@host with both parts prepared, or undefined when it is not such a JID. */
function prepareBareJid(value: string): string | undefined {
  const at = value.lastIndexOf('@');
  if (at <= 0) return undefined;
  const user = nodeprep(value.slice(0, at));
  const host = nameprep(value.slice(at + 1));
  return user === undefined || host === undefined ? undefined : `${user}@${host}`;
}

const NO_BODY: Explanations = {
  'not-acceptable': ['bad_request', 'the XMPP server refused an empty message body'],
};

/** Sorted like ejabberd sorts binaries: by UTF-8 bytes. */
function byUtf8(values: string[]): string[] {
  return values.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/** Maps `items` with at most `width` calls in flight, keeping their order. */
async function inBatches<T, R>(items: readonly T[], width: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}
