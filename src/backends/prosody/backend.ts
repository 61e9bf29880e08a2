// Prosody 0.12+: mod_admin_adhoc's XEP-0133 nodes, each sent to the host of
// the account it acts on. Prosody refuses XEP-0077 registration of another
// account from a logged-in session, has no get-user-lastlogin, no list or
// count of registered accounts and no message-of-the-day commands; it
// reports failures as completed commands with an error note, which
// ./commands.ts turns into failures (never a false success).
import { jidOf, type Account } from '../../contract/account.js';
import { Refusal } from '../../contract/refusal.js';
import { attempt, isWrongPassword, type Explanations } from '../../contract/xmpp-outcome.js';
import { adminNode } from '../../xmpp/service-admin.js';
import { passesSaslprep } from '../../xmpp/password-prep.js';
import {
  addUser,
  announce,
  changeUserPassword,
  deleteUsers,
  endUserSessions,
  onlineUserJids,
  removeOwnAccount,
  userStats,
} from './commands.js';
import type { BackendDeps, BackendEntry, ServerBackend } from '../backend.js';
import { byUtf8, inBatches, PARALLEL_LOOKUPS } from '../lists.js';

const nodes = (...names: string[]) => names.map(adminNode);

const NO_LIST = 'Prosody offers no ad-hoc command that lists or counts registered accounts; mod_admin_adhoc has no get-registered-users-list or -num';
const NO_LAST = 'Prosody offers no ad-hoc command that tells when an account was last active; there is no get-user-lastlogin';
const NO_MOTD = "Prosody's mod_motd has no ad-hoc command to set or delete the message of the day; set motd_text in the Prosody config instead";

export const PROSODY: BackendEntry<'prosody'> = {
  kind: 'prosody',
  label: 'Prosody 0.12, 13.0',
  recognises: (name) => /^prosody\b/i.test(name),
  support: {
    register: {
      register: { how: 'add-user', nodes: nodes('add-user') },
      is_registered: { how: 'user-stats', nodes: nodes('user-stats') },
      unregister: {
        how: "logged in as the user, XEP-0077 removal of the user's own account; Prosody 13 with registration_delete_grace_period only disables it (it still exists until purged)",
        nodes: nodes('user-stats'),
      },
      change_password: { how: 'logged in as the user, XEP-0077', nodes: nodes('user-stats') },
      force_change_password: { how: 'change-user-password', nodes: nodes('change-user-password') },
    },
    admin: {
      register: { how: 'add-user', nodes: nodes('add-user') },
      unregister: { how: 'delete-user', nodes: nodes('user-stats', 'delete-user') },
      change_password: { how: 'change-user-password', nodes: nodes('change-user-password') },
      check_account: { how: 'user-stats', nodes: nodes('user-stats') },
      registered_users: { unsupported: NO_LIST },
      registered_users_number: { unsupported: NO_LIST },
      connected_users: { how: 'get-online-users-list with max_items=all, and user-stats', nodes: nodes('get-online-users-list', 'user-stats') },
      connected_users_number: {
        how: 'get-online-users-list and user-stats, counted',
        nodes: nodes('get-online-users-list', 'user-stats'),
      },
      kick_user: { how: 'user-stats and end-user-session with accountjids', nodes: nodes('user-stats', 'end-user-session') },
      get_last: { unsupported: NO_LAST },
      send_announcement: { how: 'announce, in two steps', nodes: nodes('announce') },
      set_motd: { unsupported: NO_MOTD },
      delete_motd: { unsupported: NO_MOTD },
    },
  },
  moduleOf: (node) => (node === adminNode('announce') ? 'mod_announce' : node.startsWith(adminNode('')) ? 'mod_admin_adhoc' : undefined),
  enableHint: (module) => `enable ${module.replace(/^mod_/, '')} in Prosody's modules_enabled and list the bridge's account in admins`,
  create: (deps) => prosodyBackend(deps),
};

/**
 * Prosody stores a password only if it passes SASLprep; otherwise add-user
 * answers "Failed to write data to disk" and change-user-password even says
 * "User does not exist". Refused here first, nothing sent.
 */
export function assertProsodyPassword(password: string): void {
  if (!passesSaslprep(password)) {
    throw new Refusal('not_allowed', 'the XMPP server does not accept this password (it must pass SASLprep)');
  }
}

function prosodyBackend({ session, loginAs, limits }: BackendDeps): ServerBackend {
  const exists = (account: Account): Explanations => ({
    'note:exists': ['exists', `${jidOf(account)} is already registered`],
  });
  const gone = (account: Account): Explanations => ({
    'note:not_exists': ['not_exists', `${jidOf(account)} is not registered`],
    'note:not_done': ['not_exists', `${jidOf(account)} is not registered`],
  });
  const isRegistered = async (account: Account) =>
    (await attempt(() => userStats(session, account.host, jidOf(account)))) !== undefined;
  const add = (account: Account, password: string) => {
    assertProsodyPassword(password);
    return attempt(() => addUser(session, account.host, jidOf(account), password), exists(account));
  };
  const setPassword = (account: Account, password: string) => {
    assertProsodyPassword(password);
    return attempt(() => changeUserPassword(session, account.host, jidOf(account), password), gone(account));
  };
  const online = async (hosts: readonly string[]): Promise<string[]> => {
    const accounts = (await attempt(() => Promise.all(hosts.map((host) => onlineUserJids(session, host))))).flat();
    const sessions = await attempt(() =>
      inBatches(accounts, PARALLEL_LOOKUPS, async (jid) => {
        const stats = await userStats(session, jid.slice(jid.indexOf('@') + 1), jid);
        return (stats?.resources ?? []).map((resource) => `${jid}/${resource}`);
      }),
    );
    return byUtf8(sessions.flat());
  };
  const unsupported = (detail: string) => () => Promise.reject(new Refusal('not_supported', detail));

  return {
    kind: 'prosody',
    accounts: {
      register: add,
      isRegistered,
      /**
       * Prosody removes an account only from that account's own session:
       * the bridge logs in as the user (which checks the password, within
       * the login limits like change_password) and cancels the registration
       * there. Never a <remove/> from the bridge's session: Prosody would
       * delete the bridge's own account.
       */
      async unregister(account, password) {
        if (!passesSaslprep(password)) throw new Refusal('not_allowed', 'the password is wrong');
        if (!(await isRegistered(account))) throw new Refusal('not_exists', `${jidOf(account)} is not registered`);
        const remove = () => loginAs(account, password, (user) => removeOwnAccount(user, account.host));
        await attempt(
          () => limits.check({ account: jidOf(account), login: true }, remove, isWrongPassword),
          {},
          new Refusal('not_allowed', 'the password is wrong'),
        );
      },
      forceChangePassword: setPassword,
    },
    admin: {
      register: add,
      async unregister(account) {
        await attempt(() => deleteUsers(session, account.host, [jidOf(account)]), gone(account));
      },
      changePassword: setPassword,
      registeredUsers: unsupported(NO_LIST),
      registeredUsersNumber: unsupported(NO_LIST),
      connectedUsers: online,
      connectedUsersNumber: async (hosts) => (await online(hosts)).length,
      async kickUser(account) {
        const stats = await attempt(() => userStats(session, account.host, jidOf(account)));
        const count = stats?.resources.length ?? 0;
        if (count === 0) return 0;
        await attempt(() => endUserSessions(session, account.host, [jidOf(account)]));
        return count;
      },
      lastActivity: unsupported(NO_LAST),
      async sendAnnouncement(host, subject, body) {
        // Prosody would send an empty headline; ejabberd refuses it: refused here, nothing sent.
        if (body === '') throw new Refusal('bad_request', 'the message body is empty');
        await attempt(() => announce(session, host, subject, body));
      },
      setMotd: unsupported(NO_MOTD),
      deleteMotd: unsupported(NO_MOTD),
    },
  };
}
