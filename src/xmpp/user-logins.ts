// Logins as a user, on behalf of a caller (password checks and changes,
// private storage): each takes a slot of the in-flight bound like an IQ
// does, is counted while open (metrics, shutdown), and in a cluster a
// refused login is tried once more (the connector starts with another node)
// before it counts as a wrong password (./cluster-settle.ts).
import { askAgainAfterSettle } from './cluster-settle.js';
import type { Connector } from './connector.js';
import { LoginRefused } from '../contract/xmpp-failures.js';
import type { InFlightLimit } from './in-flight-limit.js';
import { withUserSession, type UserSession } from './login.js';
import type { XmppObserver } from './observe.js';

export interface UserLoginsOptions {
  connector: Connector;
  limit: InFlightLimit;
  observer?: XmppObserver;
  /** Deadline of each IQ on a user's session. */
  requestTimeoutMs: number;
  /** Whether the server is a cluster of several nodes (xmpp.service lists more than one). */
  cluster: boolean;
}

/** Whose login: an account's user name and host (its XMPP domain). */
export interface UserName {
  username: string;
  host: string;
}

export class UserLogins {
  readonly #options: UserLoginsOptions;
  #open = 0;

  constructor(options: UserLoginsOptions) {
    this.#options = options;
  }

  /** User sessions open right now. */
  get open(): number {
    return this.#open;
  }

  /** Logs in as the account with `password` and runs `work` on that session. */
  readonly loginAs = <T>(account: UserName, password: string, work: (session: UserSession) => Promise<T>): Promise<T> => {
    const once = () => this.#loginOnce(account, password, work);
    if (!this.#options.cluster) return once();
    return askAgainAfterSettle(once, (outcome) => 'error' in outcome && isNotAuthorized(outcome.error));
  };

  #loginOnce<T>(account: UserName, password: string, work: (session: UserSession) => Promise<T>): Promise<T> {
    const { connector, limit, observer, requestTimeoutMs } = this.#options;
    return limit.run(async () => {
      this.#open += 1;
      try {
        return await withUserSession(connector, { username: account.username, domain: account.host, password }, work, {
          observer,
          requestTimeoutMs,
        });
      } finally {
        this.#open -= 1;
      }
    });
  }
}

const isNotAuthorized = (error: unknown): boolean => error instanceof LoginRefused && error.condition === 'not-authorized';
