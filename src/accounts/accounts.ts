// Account operations in the contract's terms. What is the same on every
// server is here (protected accounts, the login limits, the password check
// by logging in as the user); what differs is asked of the back end chosen
// for the connected server (../backends). Nothing above this layer sees XMPP.
import { xml } from '@xmpp/client-core';
import type { RegisterEndpoint, ServerBackend, UserLogin } from '../backends/backend.js';
import type { ServerBackends } from '../backends/selector.js';
import { changeOwnPassword, type IqRequester } from '../xmpp/in-band-registration.js';
import { passesSaslprep } from '../xmpp/password-prep.js';
import { storePrivate } from '../xmpp/private-storage.js';
import { jidOf, type Account } from '../contract/account.js';
import type { LoginLimits } from '../limits/login-limits.js';
import { revokingAfter, type CredentialRevocations } from '../shared/credential-revocations.js';
import { OneAtATime } from './one-at-a-time.js';
import type { ProtectedAccounts } from './protected-accounts.js';
import { Refusal } from '../contract/refusal.js';
import { attempt, isWrongPassword } from '../contract/xmpp-outcome.js';

export interface AccountsDeps {
  /** The bridge's own admin session. */
  session: IqRequester;
  loginAs: UserLogin;
  /** Limits on wrong passwords (../limits/login-limits.ts). */
  limits: LoginLimits;
  /** Accounts never registered, removed or re-passworded through the bridge. */
  protectedAccounts: ProtectedAccounts;
  /** The back end of the connected server. */
  backends: ServerBackends;
  /** Told of every password this changes or removes (../shared/credential-revocations.ts). */
  revocations: CredentialRevocations;
}

const WRONG_OLD_PASSWORD = new Refusal('not_allowed', 'the old password is wrong');

export class Accounts {
  readonly #deps: AccountsDeps;
  /** Registrations of one name never race in the server: one at a time per bare JID. */
  readonly #registrations = new OneAtATime();

  constructor(deps: AccountsDeps) {
    this.#deps = deps;
  }

  async register(account: Account, password: string): Promise<void> {
    this.#deps.protectedAccounts.assertMutable(account);
    const backend = await this.#backend('register');
    await this.#registrations.run(jidOf(account), () => backend.accounts.register(account, password));
  }

  /** Whether the account exists, without side effects (how: the back end's). */
  async isRegistered(account: Account): Promise<boolean> {
    return (await this.#backend('is_registered')).accounts.isRegistered(account);
  }

  /** Removes the account if `password` is right. */
  async unregister(account: Account, password: string): Promise<void> {
    await this.#changing(account, async () => {
      this.#deps.protectedAccounts.assertMutable(account);
      await (await this.#backend('unregister')).accounts.unregister(account, password);
    });
  }

  changePassword(account: Account, oldPassword: string, newPassword: string): Promise<void> {
    return this.#changing(account, () => this.#changePassword(account, oldPassword, newPassword));
  }

  async #changePassword(account: Account, oldPassword: string, newPassword: string): Promise<void> {
    const { protectedAccounts, limits, loginAs } = this.#deps;
    protectedAccounts.assertMutable(account);
    await this.#backend('change_password');
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
    await this.#changing(account, async () => {
      this.#deps.protectedAccounts.assertMutable(account);
      await (await this.#backend('force_change_password')).accounts.forceChangePassword(account, newPassword);
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

  /** Runs a change of the account's password (or its removal): the one way this class changes one. */
  #changing(account: Account, change: () => Promise<void>): Promise<void> {
    return revokingAfter(this.#deps.revocations, jidOf(account), change);
  }

  /** The connected server's back end; not_supported (nothing sent) when it cannot serve `endpoint`. */
  async #backend(endpoint: RegisterEndpoint): Promise<ServerBackend> {
    const { entry, backend } = await this.#deps.backends.current();
    const support = entry.support.register[endpoint];
    if ('unsupported' in support) throw new Refusal('not_supported', support.unsupported);
    return backend;
  }
}
