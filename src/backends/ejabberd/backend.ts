// ejabberd (23.01 and later): XEP-0077 registration from the bridge's
// session, existence by get-user-lastlogin and the headline probe, and the
// XEP-0133 nodes of mod_configure and mod_announce (XMPP-FACTS). Most
// failures of mod_configure come back as a bare <item-not-found/>, so
// inputs are validated and existence checked before anything is sent.
import { jidOf, type Account } from '../../contract/account.js';
import { Refusal } from '../../contract/refusal.js';
import { attempt, type Explanations } from '../../contract/xmpp-outcome.js';
import { accountExists } from './account-probe.js';
import { askAgainAfterSettle } from '../../xmpp/cluster-settle.js';
import {
  addUser,
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
  serverModuleOf,
  setMotd,
} from './commands.js';
import { registerAccount, removeAccountByPassword } from '../../xmpp/in-band-registration.js';
import { adminNode } from '../../xmpp/service-admin.js';
import { StanzaFailure } from '../../contract/xmpp-failures.js';
import { passesResourceprep } from '../../xmpp/password-prep.js';
import type { BackendDeps, BackendEntry, LastActivity, ServerBackend } from '../backend.js';
import { byUtf8, inBatches, PARALLEL_LOOKUPS } from '../lists.js';

/**
 * ejabberd stores only passwords that pass resourceprep; through an admin
 * command it would crash (add-user) or answer success without changing
 * anything (change-user-password). See ../xmpp/password-prep.ts.
 */
export function assertStorablePassword(password: string): void {
  if (!passesResourceprep(password)) {
    throw new Refusal('not_allowed', 'the XMPP server does not accept this password (it must pass resourceprep)');
  }
}

const nodes = (...names: string[]) => names.map(adminNode);

export const EJABBERD: BackendEntry<'ejabberd'> = {
  kind: 'ejabberd',
  label: 'ejabberd 23.01, 24.12, 26.07',
  recognises: (name) => /^ejabberd\b/i.test(name),
  support: {
    register: {
      register: {
        how: 'XEP-0077 registration from the bridge session, one at a time per name; mod_register access_from, and from 24.12 on also its ip_access for hosts other than the bridge account\'s',
        nodes: [],
      },
      is_registered: { how: 'get-user-lastlogin, then the headline probe', nodes: nodes('get-user-lastlogin') },
      unregister: { how: 'XEP-0077 removal with the password', nodes: nodes('get-user-lastlogin') },
      change_password: { how: 'logged in as the user, XEP-0077', nodes: nodes('get-user-lastlogin') },
      force_change_password: { how: 'change-user-password', nodes: nodes('get-user-lastlogin', 'change-user-password') },
    },
    admin: {
      register: { how: 'add-user', nodes: nodes('add-user') },
      unregister: { how: 'delete-user', nodes: nodes('get-user-lastlogin', 'delete-user') },
      change_password: { how: 'change-user-password', nodes: nodes('get-user-lastlogin', 'change-user-password') },
      check_account: { how: 'get-user-lastlogin, then the headline probe', nodes: nodes('get-user-lastlogin') },
      registered_users: { how: 'get-registered-users-list', nodes: nodes('get-registered-users-list') },
      registered_users_number: { how: 'get-registered-users-num', nodes: nodes('get-registered-users-num') },
      connected_users: { how: 'get-online-users-list and user-stats', nodes: nodes('get-online-users-list', 'user-stats') },
      connected_users_number: { how: 'get-online-users-num', nodes: nodes('get-online-users-num') },
      kick_user: { how: 'user-stats and end-user-session', nodes: nodes('user-stats', 'end-user-session') },
      get_last: { how: 'get-user-lastlogin', nodes: nodes('get-user-lastlogin') },
      send_announcement: { how: 'announce', nodes: nodes('announce') },
      set_motd: { how: 'set-motd', nodes: nodes('set-motd') },
      delete_motd: { how: 'delete-motd', nodes: nodes('delete-motd') },
    },
  },
  moduleOf: serverModuleOf,
  enableHint: (module) => `enable ${module} (and mod_adhoc) in ejabberd and let the bridge's account use it`,
  create: (deps) => ejabberdBackend(deps),
};

function ejabberdBackend({ session, limits }: BackendDeps): ServerBackend {
  const gone = (account: Account): Explanations => ({ 'item-not-found': ['not_exists', `${jidOf(account)} is not registered`] });
  /**
   * get-user-lastlogin saying Online or a time settles it; "Never" means
   * absent, or offline with no mod_last record (mod_last off, or not yet
   * replicated to this cluster node): the headline probe decides
   * (./account-probe.ts).
   */
  const isRegistered = async (account: Account): Promise<boolean> => {
    const last = await attempt(() => readLastLogin(session, account.host, jidOf(account)));
    if (last.kind !== 'never') return true;
    const probe = () => attempt(() => accountExists(session, account.host, jidOf(account)));
    // In a cluster, "absent" may be a registration not yet applied on this node: asked once more.
    return askAgainAfterSettle(probe, (outcome) => 'value' in outcome && !outcome.value);
  };
  const assertExists = async (account: Account): Promise<void> => {
    if (!(await isRegistered(account))) throw new Refusal('not_exists', `${jidOf(account)} is not registered`);
  };

  return {
    kind: 'ejabberd',
    accounts: {
      async register(account, password) {
        const register = async () => {
          try {
            await registerAccount(session, account.host, account.username, password);
          } catch (error) {
            // Another registration of this name under way (from another bridge) makes
            // ejabberd's auth cache answer internal-server-error; that request wrote
            // nothing, so if the name exists now, someone else took it.
            if (error instanceof StanzaFailure && error.condition === 'internal-server-error' && (await isRegistered(account))) {
              throw new Refusal('exists', `${jidOf(account)} is already registered`);
            }
            throw error;
          }
        };
        await attempt(register, {
          conflict: ['exists', `${jidOf(account)} is already registered`],
          'not-acceptable': ['not_allowed', 'the XMPP server refused this password (empty, too weak or not acceptable)'],
          forbidden: ['not_allowed', 'the XMPP server refused the registration (check mod_register access_from for the bridge account)'],
          'not-allowed': ['not_allowed', 'the XMPP server does not allow registration for this host'],
          'jid-malformed': ['stringprep', 'the XMPP server refused the username'],
        });
      },
      isRegistered,
      /** Checked here first: ejabberd skips the password check for a <remove/> naming the sender's own account. */
      async unregister(account, password) {
        await assertExists(account);
        const remove = () => removeAccountByPassword(session, account.host, account.username, password);
        // ejabberd answers <forbidden/> for a wrong password: a refusal like a failed login (not one fail2ban sees).
        const wrong = (error: unknown) => error instanceof StanzaFailure && error.condition === 'forbidden';
        await attempt(() => limits.check({ account: jidOf(account), login: false }, remove, wrong), {
          forbidden: ['not_allowed', 'the password is wrong'],
        });
      },
      async forceChangePassword(account, newPassword) {
        assertStorablePassword(newPassword);
        await assertExists(account);
        await attempt(() => changeUserPassword(session, account.host, jidOf(account), newPassword), gone(account));
      },
    },
    admin: {
      async register(account, password) {
        assertStorablePassword(password);
        await attempt(() => addUser(session, account.host, jidOf(account), password), {
          conflict: ['exists', `${jidOf(account)} is already registered`],
          'not-allowed': ['not_allowed', 'the XMPP server does not allow registration on this host'],
        });
      },
      async unregister(account) {
        // With the account seen and the JID valid, mod_configure's only crash left is a missing account.
        await attempt(() => deleteUsers(session, account.host, [jidOf(account)]), gone(account));
      },
      async changePassword(account, password) {
        assertStorablePassword(password);
        await assertExists(account);
        await attempt(() => changeUserPassword(session, account.host, jidOf(account), password), gone(account));
      },
      async registeredUsers(host) {
        const jids = await attempt(() => registeredUserJids(session, host));
        return byUtf8(jids.map((jid) => jid.slice(0, jid.indexOf('@'))).filter((name) => name !== ''));
      },
      registeredUsersNumber: (host) => attempt(() => registeredUsersCount(session, host)),
      async connectedUsers(hosts) {
        const accounts = (await attempt(() => Promise.all(hosts.map((host) => onlineUserJids(session, host))))).flat();
        const sessions = await attempt(() =>
          inBatches(accounts, PARALLEL_LOOKUPS, async (jid) => {
            const resources = await onlineResources(session, jid.slice(jid.indexOf('@') + 1), jid);
            return resources.map((resource) => `${jid}/${resource}`);
          }),
        );
        return byUtf8(sessions.flat());
      },
      async connectedUsersNumber(hosts) {
        const counts = await attempt(() => Promise.all(hosts.map((host) => onlineSessionsCount(session, host))));
        return counts.reduce((sum, n) => sum + n, 0);
      },
      async kickUser(account) {
        const resources = await attempt(() => onlineResources(session, account.host, jidOf(account)));
        if (resources.length === 0) return 0;
        await attempt(() => endUserSession(session, account.host, jidOf(account)));
        return resources.length;
      },
      async lastActivity(account): Promise<LastActivity> {
        const last = await attempt(() => readLastLogin(session, account.host, jidOf(account)));
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
      },
      sendAnnouncement: (host, subject, body) => attempt(() => announce(session, host, subject, body), NO_BODY),
      setMotd: (host, subject, body) => attempt(() => setMotd(session, host, subject, body), NO_BODY),
      deleteMotd: (host) => attempt(() => deleteMotd(session, host)),
    },
  };
}

const NO_BODY: Explanations = {
  'not-acceptable': ['bad_request', 'the XMPP server refused an empty message body'],
};
