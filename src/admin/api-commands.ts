// Every ejabberd command by name, as mod_restful's admin module ran them:
// relayed over mod_adhoc_api (ejabberd 25.03+) for the names the admin
// module does not map itself. The commands are learned from the server on
// every (re)connect (../backends/ejabberd/adhoc-api/directory.ts); each
// call is checked before anything is sent: the command offered, the caller
// allowed to run it, its arguments typed, no protected account named.
import { EventEmitter } from 'node:events';
import { knownSpec } from '../backends/ejabberd/adhoc-api/catalogue.js';
import { learnCommands, runApiCommand, submission, type ApiCommand } from '../backends/ejabberd/adhoc-api/directory.js';
import { ArgumentProblem, type Json } from '../backends/ejabberd/adhoc-api/values.js';
import { executeCommand, requireCompleted, type FieldValues } from '../xmpp/adhoc.js';
import { adminNode } from '../xmpp/service-admin.js';
import { jidOf, toAccount } from '../contract/account.js';
import type { IqRequester } from '../xmpp/in-band-registration.js';
import { unsafeTextReason } from '../contract/stringprep.js';
import { requireOffered } from './login.js';
import type { CredentialRevocations } from '../shared/credential-revocations.js';
import { namesIn, type ProtectedAccounts } from '../accounts/protected-accounts.js';
import { Refusal } from '../contract/refusal.js';
import type { Authority } from './server-commands.js';
import type { ServerCapabilities } from './capabilities.js';
import { attempt } from '../contract/xmpp-outcome.js';

export type { ApiCommand } from '../backends/ejabberd/adhoc-api/directory.js';

export interface ApiCommandsDeps {
  session: IqRequester;
  capabilities: ServerCapabilities;
  /** The first is where commands are sent (mod_adhoc_api answers on every vhost alike). */
  hosts: readonly string[];
  protectedAccounts: ProtectedAccounts;
  /** Credentials verified for an account the command may have changed are forgotten on every instance. */
  revocations: CredentialRevocations;
  /** Learn the commands on every (re)connect rather than on first use (the bridge has an admin mount). */
  learnOnConnect: boolean;
}

/** Why a server cannot run commands by name (501). */
export const NEEDS_ADHOC_API =
  'needs ejabberd 25.03+ with mod_adhoc_api, and an api_permissions group granting the bridge account from: mod_adhoc_api (see ejabberd.yml.example)';

interface StandIn {
  node: string;
  args: readonly string[];
}

/** ejabberd commands that XEP-0133 nodes stand in for on servers without mod_adhoc_api. */
const XEP0133_STAND_INS: Readonly<Record<string, StandIn>> = {
  ban_account: { node: adminNode('disable-user'), args: ['user', 'host', 'reason'] },
  unban_account: { node: adminNode('reenable-user'), args: ['user', 'host'] },
};

/** Longest argument values in all, in UTF-8 bytes; under ejabberd's max_stanza_size. */
const MAX_ARGS_BYTES = 64 * 1024;

/** Accounts revoked after one command at most (a long list argument names more than any Basic caller could be). */
const MAX_REVOKED = 256;

export class ApiCommands extends EventEmitter<{ learned: [ReadonlyMap<string, ApiCommand>] }> {
  readonly #deps: ApiCommandsDeps;
  #learned: Promise<Map<string, ApiCommand>> | undefined;

  constructor(deps: ApiCommandsDeps) {
    super();
    this.#deps = deps;
    // Learned again whenever the bridge (re)connects and lists the nodes;
    // at once only where an admin mount will list or document them.
    deps.capabilities.on('discovered', () => {
      this.#learned = undefined;
      if (deps.learnOnConnect) this.offered().catch(() => undefined);
    });
  }

  /** The API commands the server offers the bridge, by name (empty without mod_adhoc_api). */
  offered(): Promise<Map<string, ApiCommand>> {
    const learning = (this.#learned ??= this.#learn());
    // A failed learning is tried again on the next call, not remembered.
    learning.catch(() => {
      if (this.#learned === learning) this.#learned = undefined;
    });
    return learning;
  }

  /** The commands `authority` may run among those `allowed` admits, sorted by name. */
  async list(authority: Authority, allowed: (name: string) => boolean): Promise<ApiCommand[]> {
    const host = this.#host;
    return [...(await this.offered()).values()]
      .filter((c) => allowed(c.name) && (authority.kind === 'bridge' || authority.grant.offered.get(host)?.has(c.node) === true))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Whether `name` is a command this server runs, or would run with
   * mod_adhoc_api (a command of ejabberd's the catalogue knows): false for a
   * name no one knows, which is a bad request rather than a missing module.
   */
  async knows(name: string): Promise<boolean> {
    const commands = await this.offered();
    if (commands.size > 0) return commands.has(name);
    return Object.hasOwn(XEP0133_STAND_INS, name) || knownSpec(name) !== undefined;
  }

  /** Runs the API command `name` with `given` (a list in its order, or an object by name); answers its typed result. */
  async run(authority: Authority, name: string, given: unknown): Promise<Json> {
    const commands = await this.offered();
    const standIn = Object.hasOwn(XEP0133_STAND_INS, name) ? XEP0133_STAND_INS[name] : undefined;
    if (commands.size === 0 && standIn !== undefined) return this.#runStandIn(authority, name, standIn, given);
    if (commands.size === 0) throw new Refusal('not_supported', `${name} is not one of the admin module's own commands; running any other command by name ${NEEDS_ADHOC_API}`);
    const command = commands.get(name);
    if (command === undefined) {
      throw new Refusal('bad_request', `unknown command: the XMPP server offers the bridge no command ${name} (GET <mount>/commands lists them)`);
    }
    const host = this.#host;
    if (authority.kind === 'admin') requireOffered(authority.grant, [command.node], [host]);
    const values = this.#valuesFor(command, given);
    const texts = Object.values(values).flat();
    this.#deps.protectedAccounts.assertNotNamedIn(texts, this.#deps.hosts);
    try {
      const result = await attempt(() => runApiCommand(this.#deps.session, host, command, values));
      await this.#revokeNamed(texts);
      return result;
    } catch (error) {
      // The server may have acted (a timeout, an unreadable answer): forget as if it did.
      if (!(error instanceof Refusal) || ['timeout', 'upstream_error', 'internal_error'].includes(error.reason)) await this.#revokeNamed(texts);
      throw error;
    }
  }

  /**
   * Any command may change or remove an account it names (change_password,
   * unregister, ban_account, ... and commands the bridge has never heard of),
   * so the credentials of every account its arguments could name on the
   * bridge's hosts are forgotten: at most a re-login for an admin.
   */
  async #revokeNamed(texts: readonly string[]): Promise<void> {
    const names = namesIn(texts);
    const jids = new Set([...names.jids, ...[...names.users].flatMap((user) => this.#deps.hosts.map((host) => `${user}@${host}`))]);
    await Promise.all([...jids].slice(0, MAX_REVOKED).map((jid) => this.#deps.revocations.revoke(jid)));
  }

  #valuesFor(command: ApiCommand, given: unknown): FieldValues {
    let values: FieldValues;
    try {
      values = submission(command, given);
    } catch (error) {
      if (error instanceof ArgumentProblem) throw new Refusal('bad_request', error.problem);
      throw error;
    }
    let bytes = 0;
    for (const [name, value] of Object.entries(values)) {
      for (const text of value) {
        // Lines are allowed (messages, vCard text); anything XML would choke on is not.
        const unsafe = unsafeTextReason(text.replace(/[\t\n\r]/g, ' '));
        if (unsafe !== undefined) throw new Refusal('bad_request', `argument ${name} ${unsafe}`);
        bytes += Buffer.byteLength(text, 'utf8');
      }
    }
    if (bytes > MAX_ARGS_BYTES) throw new Refusal('bad_request', `the arguments are longer than ${MAX_ARGS_BYTES} bytes in all`);
    return values;
  }

  /**
   * ejabberd's ban_account / unban_account on a server without mod_adhoc_api
   * that offers XEP-0133's disable-user / reenable-user (Prosody 13): the
   * account is disabled, not removed, as ejabberd's ban does.
   */
  async #runStandIn(authority: Authority, name: string, standIn: StandIn, given: unknown): Promise<Json> {
    const host = this.#host;
    await this.#deps.capabilities.require([standIn.node], [host], undefined).catch((error: unknown) => {
      if (error instanceof Refusal && error.reason === 'not_supported') {
        throw new Refusal('not_supported', `${name} needs ejabberd 25.03+ with mod_adhoc_api, or XEP-0133 ${standIn.node} (Prosody 13)`);
      }
      throw error;
    });
    if (authority.kind === 'admin') requireOffered(authority.grant, [standIn.node], [host]);
    const command: ApiCommand = {
      name,
      node: standIn.node,
      args: standIn.args.map((arg) => ({ name: arg, type: 'binary', multi: false, desc: undefined })),
      spec: undefined,
      desc: name,
    };
    const values = this.#valuesFor(command, given);
    const account = toAccount(values.user?.[0] ?? '', values.host?.[0] ?? '', this.#deps.hosts);
    this.#deps.protectedAccounts.assertMutable(account);
    await attempt(async () => {
      requireCompleted(await executeCommand(this.#deps.session, host, standIn.node, { accountjids: [jidOf(account)] }), standIn.node);
    });
    await this.#deps.revocations.revoke(jidOf(account));
    return 'ok';
  }

  get #host(): string {
    return this.#deps.hosts[0] as string;
  }

  async #learn(): Promise<Map<string, ApiCommand>> {
    const host = this.#host;
    const offered = (await this.#deps.capabilities.current()).get(host) ?? new Set<string>();
    const learned = await attempt(() => learnCommands(this.#deps.session, host, offered, () => true));
    this.emit('learned', learned);
    return learned;
  }
}

