// Account operations in the contract's terms, carried out with XMPP protocol
// pieces. What XMPP outcomes mean for each operation is said here, in terms
// of ./xmpp-outcome.ts; nothing above this layer sees XMPP.
import { xml } from '@xmpp/client-core';
import { accountExists } from '../xmpp/account-probe.js';
import { changeUserPassword, readLastLogin } from '../xmpp/admin-commands.js';
import {
  changeOwnPassword,
  registerAccount,
  removeAccountByPassword,
  type IqRequester,
} from '../xmpp/in-band-registration.js';
import type { UserSession } from '../xmpp/login.js';
import { passesResourceprep, passesSaslprep } from '../xmpp/password-prep.js';
import { storePrivate } from '../xmpp/private-storage.js';
import { StanzaFailure } from '../xmpp/errors.js';
import { jidOf, type Account } from './account.js';
import type { LoginLimits } from './login-limits.js';
import type { ProtectedAccounts } from './protected-accounts.js';
import { Refusal } from './refusal.js';
import { attempt, isWrongPassword } from './xmpp-outcome.js';

export { jidOf, type Account } from './account.js';
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

/** Logs in as the account with `password` and runs `work` on that session. */
export type UserLogin = <T>(
  account: Account,
  password: string,
  work: (session: UserSession) => Promise<T>,
) => Promise<T>;

export interface AccountsDeps {
  /** The bridge's own admin session. */
  session: IqRequester;
  loginAs: UserLogin;
  /** Limits on wrong passwords (./login-limits.ts). */
  limits: LoginLimits;
  /** Accounts never registered, removed or re-passworded through the bridge. */
  protectedAccounts: ProtectedAccounts;
}

const WRONG_OLD_PASSWORD = new Refusal('not_allowed', 'the old password is wrong');

export class Accounts {
  readonly #deps: AccountsDeps;

  constructor(deps: AccountsDeps) {
    this.#deps = deps;
  }

  async register(account: Account, password: string): Promise<void> {
    this.#deps.protectedAccounts.assertMutable(account);
    await attempt(() => registerAccount(this.#deps.session, account.host, account.username, password), {
      conflict: ['exists', `${jidOf(account)} is already registered`],
      'not-acceptable': ['not_allowed', 'the XMPP server refused this password (empty, too weak or not acceptable)'],
      forbidden: ['not_allowed', 'the XMPP server refused the registration (check mod_register access_from for the bridge account)'],
      'not-allowed': ['not_allowed', 'the XMPP server does not allow registration for this host'],
      'jid-malformed': ['stringprep', 'the XMPP server refused the username'],
    });
  }

  /**
   * Whether the account exists, without side effects. get-user-lastlogin
   * saying Online or a time settles it; "Never" means absent, or offline
   * with no mod_last record (mod_last off, or not yet replicated to this
   * cluster node): the headline probe decides (../xmpp/account-probe.ts).
   */
  async isRegistered(account: Account): Promise<boolean> {
    const { session } = this.#deps;
    const last = await attempt(() => readLastLogin(session, account.host, jidOf(account)));
    if (last.kind !== 'never') return true;
    return attempt(() => accountExists(session, account.host, jidOf(account)));
  }

  /**
   * Removes the account if `password` is right. Checked here first: ejabberd
   * skips the password check for a <remove/> naming the sender's own account.
   */
  async unregister(account: Account, password: string): Promise<void> {
    const { protectedAccounts, limits, session } = this.#deps;
    protectedAccounts.assertMutable(account);
    await this.assertExists(account);
    const remove = () => removeAccountByPassword(session, account.host, account.username, password);
    // ejabberd answers <forbidden/> for a wrong password: a refusal like a failed login (not one fail2ban sees).
    const wrong = (error: unknown) => error instanceof StanzaFailure && error.condition === 'forbidden';
    await attempt(() => limits.check({ account: jidOf(account), login: false }, remove, wrong), {
      forbidden: ['not_allowed', 'the password is wrong'],
    });
  }

  async changePassword(account: Account, oldPassword: string, newPassword: string): Promise<void> {
    const { protectedAccounts, limits, loginAs } = this.#deps;
    protectedAccounts.assertMutable(account);
    // A password SASLprep refuses cannot be anyone's: wrong, and no login is spent on it.
    if (!passesSaslprep(oldPassword)) throw WRONG_OLD_PASSWORD;
    await this.assertExists(account);
    const change = () =>
      loginAs(account, oldPassword, (user) => changeOwnPassword(user, account.host, account.username, newPassword));
    await attempt(
      () => limits.check({ account: jidOf(account), login: true }, change, isWrongPassword),
      { 'not-acceptable': ['not_allowed', 'the XMPP server refused the new password'] },
      WRONG_OLD_PASSWORD,
    );
  }

  async forceChangePassword(account: Account, newPassword: string): Promise<void> {
    this.#deps.protectedAccounts.assertMutable(account);
    assertStorablePassword(newPassword);
    await this.assertExists(account);
    await attempt(() => changeUserPassword(this.#deps.session, account.host, jidOf(account), newPassword), {
      'item-not-found': ['not_exists', `${jidOf(account)} is not registered`],
    });
  }

  /** Stores a text element in the account's private storage, logged in as the account. */
  async storePrivateText(
    account: Account,
    password: string,
    { name, namespace, text }: { name: string; namespace: string; text: string },
  ): Promise<void> {
    await attempt(() =>
      this.#deps.loginAs(account, password, (user) => storePrivate(user, xml(name, { xmlns: namespace }, text))),
    );
  }

  async assertExists(account: Account): Promise<void> {
    if (!(await this.isRegistered(account))) {
      throw new Refusal('not_exists', `${jidOf(account)} is not registered`);
    }
  }
}
