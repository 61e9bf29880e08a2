// The admin module's command table: ejabberd's command names, their
// positional arguments, and their results in ejabberd's command result shapes
// ({"ok": text} for a result tuple, "ok" for a plain ok, numbers, lists,
// records as objects). What each command does on the XMPP server is in
// ../../accounts/server-commands.ts.
import { jidOf } from '../../contract/account.js';
import { Refusal } from '../../contract/refusal.js';
import type { Authority, Operation, ServerCommands } from '../../admin/server-commands.js';
import type { Json } from '../../contract/json.js';
import { servedHost } from '../fields.js';
import type { Args, ArgSpec } from './args.js';

export interface CommandContext {
  server: ServerCommands;
  authority: Authority;
  hosts: readonly string[];
  /** Whether the mount's allowed_nodes admits this node (for `adhoc`). */
  nodeAllowed: (node: string) => boolean;
}

export interface AdminCommand {
  args: readonly ArgSpec[];
  /** The server operation behind it, for start-up warnings; undefined when it depends on the arguments. */
  operation: Operation | undefined;
  run(context: CommandContext, args: Args): Promise<Json>;
}

export const COMMANDS: Readonly<Record<string, AdminCommand>> = {
  register: {
    args: ['user', 'host', 'password'],
    operation: 'register',
    async run({ server, authority, hosts }, args) {
      const account = args.account(hosts);
      await server.register(authority, account, args.text('password'));
      return { ok: `User ${jidOf(account)} successfully registered` };
    },
  },
  unregister: {
    args: ['user', 'host'],
    operation: 'unregister',
    async run({ server, authority, hosts }, args) {
      await server.unregister(authority, args.account(hosts));
      return { ok: '' };
    },
  },
  change_password: {
    args: ['user', 'host', 'newpass'],
    operation: 'change_password',
    async run({ server, authority, hosts }, args) {
      await server.changePassword(authority, args.account(hosts), args.text('newpass'));
      return 'ok';
    },
  },
  // ejabberd's check_account returns the boolean of ejabberd_auth:user_exists
  // (ejabberdctl turns it into its exit code); mod_restful passed it through.
  check_account: {
    args: ['user', 'host'],
    operation: 'check_account',
    run: ({ server, authority, hosts }, args) => server.checkAccount(authority, args.account(hosts)),
  },
  registered_users: {
    args: ['host'],
    operation: 'registered_users',
    run: ({ server, authority, hosts }, args) => server.registeredUsers(authority, args.host(hosts)),
  },
  registered_users_number: {
    args: ['host'],
    operation: 'registered_users_number',
    run: ({ server, authority, hosts }, args) => server.registeredUsersNumber(authority, args.host(hosts)),
  },
  connected_users: {
    args: [],
    operation: 'connected_users',
    run: ({ server, authority }) => server.connectedUsers(authority),
  },
  connected_users_number: {
    args: [],
    operation: 'connected_users_number',
    run: ({ server, authority }) => server.connectedUsersNumber(authority),
  },
  kick_user: {
    args: ['user', 'host'],
    operation: 'kick_user',
    run: ({ server, authority, hosts }, args) => server.kickUser(authority, args.account(hosts)),
  },
  get_last: {
    args: ['user', 'host'],
    operation: 'get_last',
    async run({ server, authority, hosts }, args) {
      const { at, status } = await server.lastActivity(authority, args.account(hosts));
      return { timestamp: at === undefined ? null : at.toISOString(), status };
    },
  },
  // The bridge's own name (ejabberd has no such command): XEP-0133's
  // announce, a headline to every session online on the host.
  send_announcement: {
    args: ['host', 'subject', 'body'],
    operation: 'send_announcement',
    async run({ server, authority, hosts }, args) {
      await server.sendAnnouncement(authority, args.host(hosts), args.text('subject'), args.text('body'));
      return 'ok';
    },
  },
  set_motd: {
    args: ['host', 'subject', 'body'],
    operation: 'set_motd',
    async run({ server, authority, hosts }, args) {
      await server.setMotd(authority, args.host(hosts), args.text('subject'), args.text('body'));
      return 'ok';
    },
  },
  delete_motd: {
    args: ['host'],
    operation: 'delete_motd',
    async run({ server, authority, hosts }, args) {
      await server.deleteMotd(authority, args.host(hosts));
      return 'ok';
    },
  },
  // The escape hatch: any node the server offers, if the mount's allowed_nodes
  // admits it. The host defaults to the first configured one.
  adhoc: {
    args: ['node', 'fields', 'host?'],
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
