// Account operations in the contract's terms, carried out with XMPP protocol
// pieces. This file is where XMPP outcomes (stanza error conditions, login
// refusals, lost sessions) become contract reasons; nothing above it sees XMPP.
import { xml } from '@xmpp/client-core';
import { changeUserPassword, getUserLastLogin } from '../xmpp/admin-commands.js';
import {
  LoginRefused,
  RequestTimeout,
  SessionUnavailable,
  StanzaFailure,
} from '../xmpp/errors.js';
import {
  changeOwnPassword,
  registerAccount,
  removeAccountByPassword,
  type IqRequester,
} from '../xmpp/in-band-registration.js';
import type { UserSession } from '../xmpp/login.js';
import { storePrivate } from '../xmpp/private-storage.js';
import type { FailedLoginBudget } from './failed-login-budget.js';
import { Refusal, type Reason } from './refusal.js';

/** A validated account: username nodeprep'd, host one of the configured hosts. */
export interface Account {
  username: string;
  host: string;
}

export const jidOf = (account: Account): string => `${account.username}@${account.host}`;

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
  /** Caps failed password checks (see failed-login-budget.ts); undefined: no cap. */
  budget: FailedLoginBudget | undefined;
}

type Explanations = Partial<Record<string, [Reason, string]>>;

export class Accounts {
  readonly #deps: AccountsDeps;

  constructor(deps: AccountsDeps) {
    this.#deps = deps;
  }

  async register(account: Account, password: string): Promise<void> {
    await this.#attempt(() => registerAccount(this.#deps.session, account.host, account.username, password), {
      conflict: ['exists', `${jidOf(account)} is already registered`],
      'not-acceptable': ['not_allowed', 'the XMPP server refused this password (empty, too weak or not acceptable)'],
      forbidden: ['not_allowed', 'the XMPP server refused the registration (check mod_register access_from for the bridge account)'],
      'not-allowed': ['not_allowed', 'the XMPP server does not allow registration for this host'],
      'jid-malformed': ['stringprep', 'the XMPP server refused the username'],
    });
  }

  /**
   * Whether the account exists, without side effects. ejabberd 23.01 has no
   * direct check over XMPP: get-user-lastlogin reads "Never" only for an
   * account it has no record of (absent, or created while mod_last was off).
   */
  async isRegistered(account: Account): Promise<boolean> {
    const last = await this.#attempt(
      () => getUserLastLogin(this.#deps.session, account.host, jidOf(account)),
      {},
    );
    return last !== 'Never' && last !== '';
  }

  async unregister(account: Account, password: string): Promise<void> {
    await this.#assertExists(account);
    await this.#attempt(
      () => removeAccountByPassword(this.#deps.session, account.host, account.username, password),
      { forbidden: ['not_allowed', 'the password is wrong'] },
    );
  }

  async changePassword(account: Account, oldPassword: string, newPassword: string): Promise<void> {
    await this.#assertExists(account);
    const change = () =>
      this.#deps.loginAs(account, oldPassword, (user) =>
        changeOwnPassword(user, account.host, account.username, newPassword),
      );
    await this.#attempt(() => (this.#deps.budget ? this.#deps.budget.spend(change) : change()), {
      'not-acceptable': ['not_allowed', 'the XMPP server refused the new password'],
    }, 'the old password is wrong');
  }

  async forceChangePassword(account: Account, newPassword: string): Promise<void> {
    await this.#assertExists(account);
    await this.#attempt(
      () => changeUserPassword(this.#deps.session, account.host, jidOf(account), newPassword),
      {},
    );
  }

  /** Stores a text element in the account's private storage, logged in as the account. */
  async storePrivateText(
    account: Account,
    password: string,
    { name, namespace, text }: { name: string; namespace: string; text: string },
  ): Promise<void> {
    await this.#attempt(
      () => this.#deps.loginAs(account, password, (user) => storePrivate(user, xml(name, { xmlns: namespace }, text))),
      {},
    );
  }

  async #assertExists(account: Account): Promise<void> {
    if (!(await this.isRegistered(account))) {
      throw new Refusal('not_exists', `${jidOf(account)} is not registered`);
    }
  }

  /** Runs an XMPP operation, turning its failures into Refusals. */
  async #attempt<T>(
    operation: () => Promise<T>,
    explanations: Explanations,
    loginRefused = 'the XMPP server refused the login',
  ): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw explain(error, explanations, loginRefused);
    }
  }
}

function explain(error: unknown, explanations: Explanations, loginRefused: string): unknown {
  if (error instanceof Refusal) return error;
  if (error instanceof StanzaFailure) {
    const known = explanations[error.condition] ?? GENERIC[error.condition];
    if (known) return new Refusal(known[0], known[1]);
    return new Refusal('upstream_error', `the XMPP server answered ${error.condition}`, {
      errorName: error.condition.replace(/-/g, '_'),
    });
  }
  if (error instanceof LoginRefused) return new Refusal('not_allowed', loginRefused);
  if (error instanceof RequestTimeout) {
    return new Refusal('timeout', `${error.message}; the outcome is unknown`);
  }
  if (error instanceof SessionUnavailable) return new Refusal('service_unavailable', error.message);
  return error;
}

const GENERIC: Explanations = {
  'resource-constraint': ['too_many_requests', 'the XMPP server is throttling requests (registration_timeout?)'],
  'policy-violation': ['too_many_requests', 'the XMPP server refused by policy (rate limit)'],
  'service-unavailable': ['not_supported', 'the XMPP server does not offer this service (is the module enabled?)'],
  'feature-not-implemented': ['not_supported', 'the XMPP server does not implement this operation'],
  'remote-server-not-found': ['not_allowed', 'the XMPP server does not serve this host'],
  'item-not-found': ['not_exists', 'the XMPP server found no such account or command'],
};

