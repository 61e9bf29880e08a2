// The admin module's command table: ejabberd's command names, each with its
// spec (./command-spec.ts: positional arguments, result in ejabberd's
// command result shapes ({"ok": text} for a result tuple, "ok" for a plain
// ok, numbers, lists, records as objects), an example) and what it runs.
// What each command does on the XMPP server is in ../../admin/server-commands.ts.
import { jidOf } from '../../contract/account.js';
import { Refusal } from '../../contract/refusal.js';
import type { Authority, Operation, ServerCommands } from '../../admin/server-commands.js';
import type { Json } from '../../contract/json.js';
import { servedHost } from '../../contract/account.js';
import { EXAMPLE_HOST } from '../spec.js';
import { argumentsOf, type Args, type ArgSpec } from './args.js';
import type { CommandSpec, ResultSpec } from './command-spec.js';

export interface CommandContext {
  server: ServerCommands;
  authority: Authority;
  hosts: readonly string[];
  /** Whether the mount's allowed_nodes admits this node (for `adhoc`). */
  nodeAllowed: (node: string) => boolean;
}

export interface AdminCommand {
  /** Drives the validation of its arguments and its entry in the API document. */
  spec: CommandSpec;
  /** The server operation behind it, for start-up warnings; undefined when it depends on the arguments. */
  operation: Operation | undefined;
  run(context: CommandContext, args: Args): Promise<Json>;
}

const OK: ResultSpec = { kind: 'rescode' };
const TUPLE: ResultSpec = { kind: 'restuple' };
const value = (name: string, type: Extract<ResultSpec, { kind: 'value' }>['value']['type']): ResultSpec => ({ kind: 'value', value: { name, type } });

/** A built-in command's spec, its arguments named in short (./args.ts). */
const spec = (name: string, summary: string, args: readonly ArgSpec[], result: ResultSpec, example: CommandSpec['example']): CommandSpec => ({
  name,
  summary,
  args: argumentsOf(args),
  result,
  example,
});

export const COMMANDS: Readonly<Record<string, AdminCommand>> = {
  register: {
    spec: spec('register', 'Register an account', ['user', 'host', 'password'], TUPLE, { args: ['alice', EXAMPLE_HOST, 's3cret'], result: { ok: `User alice@${EXAMPLE_HOST} successfully registered` } }),
    operation: 'register',
    async run({ server, authority, hosts }, args) {
      const account = args.account(hosts);
      await server.register(authority, account, args.text('password'));
      return { ok: `User ${jidOf(account)} successfully registered` };
    },
  },
  unregister: {
    spec: spec('unregister', 'Remove an account', ['user', 'host'], TUPLE, { args: ['alice', EXAMPLE_HOST], result: { ok: '' } }),
    operation: 'unregister',
    async run({ server, authority, hosts }, args) {
      await server.unregister(authority, args.account(hosts));
      return { ok: '' };
    },
  },
  change_password: {
    spec: spec('change_password', "Set an account's password", ['user', 'host', 'newpass'], OK, { args: ['alice', EXAMPLE_HOST, 'n3w-s3cret'], result: 'ok' }),
    operation: 'change_password',
    async run({ server, authority, hosts }, args) {
      await server.changePassword(authority, args.account(hosts), args.text('newpass'));
      return 'ok';
    },
  },
  // ejabberd's check_account returns the boolean of ejabberd_auth:user_exists
  // (ejabberdctl turns it into its exit code); mod_restful passed it through.
  check_account: {
    spec: spec('check_account', 'Whether an account exists', ['user', 'host'], value('exists', 'boolean'), { args: ['alice', EXAMPLE_HOST], result: true }),
    operation: 'check_account',
    run: ({ server, authority, hosts }, args) => server.checkAccount(authority, args.account(hosts)),
  },
  registered_users: {
    spec: spec('registered_users', 'The user names of a host', ['host'], value('users', { list: { name: 'username', type: 'string' } }), { args: [EXAMPLE_HOST], result: ['admin', 'alice'] }),
    operation: 'registered_users',
    run: ({ server, authority, hosts }, args) => server.registeredUsers(authority, args.host(hosts)),
  },
  registered_users_number: {
    spec: spec('registered_users_number', 'How many accounts a host has', ['host'], value('count', 'integer'), { args: [EXAMPLE_HOST], result: 2 }),
    operation: 'registered_users_number',
    run: ({ server, authority, hosts }, args) => server.registeredUsersNumber(authority, args.host(hosts)),
  },
  connected_users: {
    spec: spec('connected_users', 'Full JIDs of every session', [], value('sessions', { list: { name: 'jid', type: 'string' } }), { args: [], result: [`alice@${EXAMPLE_HOST}/phone`] }),
    operation: 'connected_users',
    run: ({ server, authority }) => server.connectedUsers(authority),
  },
  connected_users_number: {
    spec: spec('connected_users_number', 'How many sessions there are', [], value('count', 'integer'), { args: [], result: 1 }),
    operation: 'connected_users_number',
    run: ({ server, authority }) => server.connectedUsersNumber(authority),
  },
  kick_user: {
    spec: spec('kick_user', "End every session of an account; answers how many", ['user', 'host'], value('sessions', 'integer'), { args: ['alice', EXAMPLE_HOST], result: 1 }),
    operation: 'kick_user',
    run: ({ server, authority, hosts }, args) => server.kickUser(authority, args.account(hosts)),
  },
  get_last: {
    spec: spec('get_last', 'When an account was last active (timestamp null when unknown), and its status', ['user', 'host'], value('last', { tuple: [{ name: 'timestamp', type: 'string' }, { name: 'status', type: 'string' }] }), { args: ['alice', EXAMPLE_HOST], result: { timestamp: '2024-05-01T10:00:00.000Z', status: '' } }),
    operation: 'get_last',
    async run({ server, authority, hosts }, args) {
      const { at, status } = await server.lastActivity(authority, args.account(hosts));
      return { timestamp: at === undefined ? null : at.toISOString(), status };
    },
  },
  // The bridge's own name (ejabberd has no such command): XEP-0133's
  // announce, a headline to every session online on the host.
  send_announcement: {
    spec: spec('send_announcement', 'A headline to every session online on a host', ['host', 'subject', 'body'], OK, { args: [EXAMPLE_HOST, 'Maintenance', 'Down at 10:00\nBack at 10:30'], result: 'ok' }),
    operation: 'send_announcement',
    async run({ server, authority, hosts }, args) {
      await server.sendAnnouncement(authority, args.host(hosts), args.text('subject'), args.text('body'));
      return 'ok';
    },
  },
  set_motd: {
    spec: spec('set_motd', 'Set the message of the day of a host', ['host', 'subject', 'body'], OK, { args: [EXAMPLE_HOST, 'Welcome', 'Be nice'], result: 'ok' }),
    operation: 'set_motd',
    async run({ server, authority, hosts }, args) {
      await server.setMotd(authority, args.host(hosts), args.text('subject'), args.text('body'));
      return 'ok';
    },
  },
  delete_motd: {
    spec: spec('delete_motd', 'Delete the message of the day of a host', ['host'], OK, { args: [EXAMPLE_HOST], result: 'ok' }),
    operation: 'delete_motd',
    async run({ server, authority, hosts }, args) {
      await server.deleteMotd(authority, args.host(hosts));
      return 'ok';
    },
  },
  // The escape hatch: any node the server offers, if the mount's allowed_nodes
  // admits it. The host defaults to the first configured one.
  adhoc: {
    spec: spec('adhoc', 'Execute an ad-hoc command node the server offers (allowed_nodes)', ['node', 'fields', 'host?'], value('form', 'fields'), { args: ['http://jabber.org/protocol/admin#get-registered-users-num', {}, EXAMPLE_HOST], result: { registeredusersnum: '2' } }),
    operation: undefined,
    async run({ server, authority, hosts, nodeAllowed }, args) {
      const node = args.text('node');
      if (!nodeAllowed(node)) throw new Refusal('not_allowed', 'this node is not in allowed_nodes of this mount');
      const given = args.optionalText('host');
      const host = given === undefined ? (hosts[0] as string) : servedHost(given, hosts);
      return server.runNode(authority, host, node, args.fields());
    },
  },
};

export function commandNamed(name: string): AdminCommand | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}
