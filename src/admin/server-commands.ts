// The admin module's server commands (register, kick_user, get_last, ...)
// in the contract's terms. Before anything is sent, each operation asks the
// back end of the connected server (../backends) whether it can serve it at
// all (501 not_supported otherwise), checks that the server offers the
// nodes it sends (./server-capabilities.ts) and, for a caller authenticated
// as an XMPP admin, that the server would let that caller run them itself;
// protected accounts are refused here, on every back end.
import type { AdminBackend, LastActivity, Operation } from '../backends/backend.js';
import { ALL_HOSTS } from '../backends/backend.js';
import type { ServerBackends } from '../backends/selector.js';
import { apiCommandOf, lonelyRescodeFailure, resultFields } from '../backends/ejabberd/adhoc-api/answer.js';
import { secretsOf } from '../backends/ejabberd/adhoc-api/directory.js';
import { executeCommand, failureNote, type FieldValues } from '../xmpp/adhoc.js';
import { CommandNoteFailure, CommandNotCompleted } from '../contract/xmpp-failures.js';
import type { IqRequester } from '../xmpp/in-band-registration.js';
import type { ProtectedAccounts } from '../accounts/protected-accounts.js';
import type { Accounts } from '../accounts/accounts.js';
import { jidOf, type Account } from '../contract/account.js';
import { requireOffered, type AdminGrant } from './login.js';
import { Refusal } from '../contract/refusal.js';
import { revokingAfter, type CredentialRevocations } from '../shared/credential-revocations.js';
import { attempt } from '../contract/xmpp-outcome.js';
import { missingNodes, withHints, type MissingNode, type OfferedNodes, type ServerCapabilities } from './capabilities.js';

export type { LastActivity, Operation } from '../backends/backend.js';

/** Who a command runs for: a key-holder acts with the bridge's own rights, a Basic caller with its own. */
export type Authority = { kind: 'bridge' } | { kind: 'admin'; grant: AdminGrant };

export interface ServerCommandsDeps {
  /** The bridge's own admin session. */
  session: IqRequester;
  accounts: Accounts;
  capabilities: ServerCapabilities;
  /** The back end of the connected server. */
  backends: ServerBackends;
  hosts: readonly string[];
  /** Never registered, removed, re-passworded or kicked through the bridge. */
  protectedAccounts: ProtectedAccounts;
  /** Told of every password this changes or removes (../shared/credential-revocations.ts). */
  revocations: CredentialRevocations;
}

export class ServerCommands {
  readonly #deps: ServerCommandsDeps;

  constructor(deps: ServerCommandsDeps) {
    this.#deps = deps;
  }

  /**
   * What the server lacks for `operation` on any host, by a listing (for
   * start-up warnings), with the back end known so far; an operation the
   * back end cannot serve at all lacks a node named after it.
   */
  missingFor(operation: Operation, offered: OfferedNodes): MissingNode[] {
    const chosen = this.#deps.backends.known;
    if (!chosen) return [];
    const support = chosen.entry.support.admin[operation];
    const hosts = this.#hostsOf(operation, undefined);
    if ('unsupported' in support) return [{ host: hosts[0] ?? '', node: operation, module: undefined, unsupported: support.unsupported }];
    return missingNodes(offered, support.nodes, hosts).map((m) => withHints(m, chosen.entry));
  }

  async register(authority: Authority, account: Account, password: string): Promise<void> {
    const admin = await this.#permit(authority, 'register', account.host);
    this.#deps.protectedAccounts.assertMutable(account);
    await admin.register(account, password);
  }

  async unregister(authority: Authority, account: Account): Promise<void> {
    await this.#changing(account, async () => {
      const admin = await this.#permit(authority, 'unregister', account.host);
      this.#deps.protectedAccounts.assertMutable(account);
      await this.#deps.accounts.assertExists(account);
      await admin.unregister(account);
    });
  }

  async changePassword(authority: Authority, account: Account, password: string): Promise<void> {
    await this.#changing(account, async () => {
      const admin = await this.#permit(authority, 'change_password', account.host);
      this.#deps.protectedAccounts.assertMutable(account);
      await admin.changePassword(account, password);
    });
  }

  async checkAccount(authority: Authority, account: Account): Promise<boolean> {
    await this.#permit(authority, 'check_account', account.host);
    return this.#deps.accounts.isRegistered(account);
  }

  async registeredUsers(authority: Authority, host: string): Promise<string[]> {
    return (await this.#permit(authority, 'registered_users', host)).registeredUsers(host);
  }

  async registeredUsersNumber(authority: Authority, host: string): Promise<number> {
    return (await this.#permit(authority, 'registered_users_number', host)).registeredUsersNumber(host);
  }

  /** Full JIDs of every session on every configured host. */
  async connectedUsers(authority: Authority): Promise<string[]> {
    return (await this.#permit(authority, 'connected_users', undefined)).connectedUsers(this.#deps.hosts);
  }

  async connectedUsersNumber(authority: Authority): Promise<number> {
    return (await this.#permit(authority, 'connected_users_number', undefined)).connectedUsersNumber(this.#deps.hosts);
  }

  /** Ends every session of the account; answers how many there were (0 for an unknown account, like ejabberd). */
  async kickUser(authority: Authority, account: Account): Promise<number> {
    const admin = await this.#permit(authority, 'kick_user', account.host);
    this.#deps.protectedAccounts.assertMutable(account);
    return admin.kickUser(account);
  }

  async lastActivity(authority: Authority, account: Account): Promise<LastActivity> {
    return (await this.#permit(authority, 'get_last', account.host)).lastActivity(account);
  }

  async sendAnnouncement(authority: Authority, host: string, subject: string, body: string): Promise<void> {
    await (await this.#permit(authority, 'send_announcement', host)).sendAnnouncement(host, subject, body);
  }

  async setMotd(authority: Authority, host: string, subject: string, body: string): Promise<void> {
    await (await this.#permit(authority, 'set_motd', host)).setMotd(host, subject, body);
  }

  async deleteMotd(authority: Authority, host: string): Promise<void> {
    await (await this.#permit(authority, 'delete_motd', host)).deleteMotd(host);
  }

  /**
   * Executes any node the server offers (the escape hatch); answers the
   * result form's fields, multi-valued ones as lists. An empty `fields`
   * submits nothing, so the answer is the node's form or its immediate
   * result. Never a false success: an error note is an error, and so is a
   * form answered to submitted fields instead of a completion.
   */
  async runNode(
    authority: Authority,
    host: string,
    node: string,
    fields: FieldValues,
  ): Promise<Record<string, string | string[]>> {
    await this.#deps.capabilities.require([node], [host], this.#deps.backends.known?.entry);
    if (authority.kind === 'admin') requireOffered(authority.grant, [node], [host]);
    // A node can act on any account its form names (delete-user,
    // change-user-password, ejabberd's api-commands/change_password with a
    // user and a host, ...), on this host or another the bridge serves.
    this.#deps.protectedAccounts.assertNotNamedIn(Object.values(fields).flat(), [host, ...this.#deps.hosts]);
    const submitted = Object.keys(fields).length > 0 ? fields : undefined;
    const apiCommand = apiCommandOf(node);
    const run = async () => {
      const result = await executeCommand(this.#deps.session, host, node, submitted);
      const failure = failureNote(result);
      if (failure !== undefined) throw new CommandNoteFailure(node, failure);
      if (submitted && result.status !== 'completed') throw new CommandNotCompleted(node, result.status);
      if (apiCommand === undefined || !submitted) return result.form;
      // ejabberd's mod_adhoc_api echoes the arguments (passwords too) and
      // reports failures inside the completed form: keep only the result.
      const answered = resultFields(node, result, secretsOf(fields));
      const rescode = lonelyRescodeFailure(node, answered);
      if (rescode) throw rescode;
      return answered;
    };
    const answer = await attempt(run, {
      'bad-request': ['bad_request', 'the XMPP server refused the submitted form as malformed'],
      'not-acceptable': ['bad_request', 'the XMPP server did not accept the submitted form'],
      conflict: ['exists', 'the XMPP server answered conflict (it already exists)'],
      'form-returned': ['bad_request', 'the XMPP server answered with its form instead of completing the command: a field is missing or wrong'],
    });
    const form: Record<string, string | string[]> = {};
    for (const { name, type, values } of answer) {
      if (name === 'FORM_TYPE' || name === '') continue;
      form[name] = type?.endsWith('-multi') ? values : (values[0] ?? '');
    }
    return form;
  }

  /** Runs a change of the account's password (or its removal): the one way this class changes one. */
  #changing(account: Account, change: () => Promise<void>): Promise<void> {
    return revokingAfter(this.#deps.revocations, jidOf(account), change);
  }

  /** The back end's admin operations, once the operation is known to be served, offered and allowed. */
  async #permit(authority: Authority, operation: Operation, host: string | undefined): Promise<AdminBackend> {
    const { entry, backend } = await this.#deps.backends.current();
    const support = entry.support.admin[operation];
    if ('unsupported' in support) throw new Refusal('not_supported', support.unsupported);
    const hosts = this.#hostsOf(operation, host);
    await this.#deps.capabilities.require(support.nodes, hosts, entry);
    if (authority.kind === 'admin') requireOffered(authority.grant, support.nodes, hosts);
    return backend.admin;
  }

  #hostsOf(operation: Operation, host: string | undefined): readonly string[] {
    if (ALL_HOSTS.has(operation)) return this.#deps.hosts;
    return host === undefined ? this.#deps.hosts : [host];
  }
}
