// Limits on wrong passwords, made to stop attackers and not honest users:
//
// - per_account: wrong passwords for one target account (brute force of one
//   user, whoever sends them);
// - per_client: wrong HTTP Basic logins from one client address (an
//   attacker without a key trying admin passwords);
// - server_guard (optional): every failed login the bridge makes, so the
//   bridge stays under mod_fail2ban's ban threshold when the server does not
//   exempt its address. Only this one is shared by everyone, so it is off
//   when the server exempts the bridge.
//
// Only actual refusals count. The counts live in a LimitStore (this
// process's memory, or Redis shared by every instance: ./store.ts);
// how a check reserves its point, and what that guarantees within one
// process and across instances, is in ./counter.ts. When the store
// does not answer, password checks are refused with service_unavailable:
// never let through uncounted.
import { FailureCounter, type Hold } from './counter.js';
import { memoryStore, type LimitStore } from './store.js';
import type { WindowLimit } from './window.js';

export interface LoginLimitsOptions {
  perAccount: WindowLimit | undefined;
  perClient: WindowLimit | undefined;
  serverGuard: WindowLimit | undefined;
  /** Where the counts live; default: this process's memory. */
  store?: LimitStore;
}

/** One password check: whose password, for whom, and whether it is an XMPP login (fail2ban counts those). */
export interface PasswordCheck {
  /** The target account's bare JID. */
  account: string;
  /** The caller's address, for checks of HTTP Basic credentials; undefined for key holders. */
  client?: string;
  login: boolean;
}

/** The server guard's single key: every login counts against it. */
const ALL = 'all';

export class LoginLimits {
  readonly #perAccount: FailureCounter | undefined;
  readonly #perClient: FailureCounter | undefined;
  readonly #serverGuard: FailureCounter | undefined;

  constructor({ perAccount, perClient, serverGuard, store = memoryStore }: LoginLimitsOptions) {
    this.#perAccount =
      perAccount && new FailureCounter(store, 'per_account', perAccount, 'too many wrong passwords for this account recently; try again later');
    this.#perClient =
      perClient && new FailureCounter(store, 'per_client', perClient, 'too many wrong logins from this address recently; try again later');
    this.#serverGuard =
      serverGuard &&
      new FailureCounter(
        store,
        'server_guard',
        serverGuard,
        'too many failed logins recently: the bridge pauses password checks so the XMPP server does not ban it (see limits.failed_logins.server_guard)',
      );
  }

  /**
   * Runs `attempt`, which checks a caller's password, within the limits.
   * Refuses with too_many_requests, before anything is sent, while a limit
   * is spent (service_unavailable while the store does not answer);
   * `refused(error)` says whether a failure was a wrong password.
   */
  async check<T>(check: PasswordCheck, attempt: () => Promise<T>, refused: (error: unknown) => boolean): Promise<T> {
    const holds = await this.#reserve(check);
    let wrong = false;
    try {
      return await attempt();
    } catch (error) {
      wrong = refused(error);
      throw error;
    } finally {
      // The caller need not wait for the store: a give-back goes ahead of any later call on the same connection.
      for (const hold of holds) void hold.counter.release(hold, wrong);
    }
  }

  /** A point of every limit that applies, or a refusal; waits while this process's checks in flight fill one. */
  async #reserve(check: PasswordCheck): Promise<Hold[]> {
    const counters = this.#countersFor(check);
    for (;;) {
      const holds: Hold[] = [];
      let retryAfter: Promise<void> | undefined;
      try {
        for (const [counter, key] of counters) {
          const reservation = await counter.reserve(key);
          if ('retryAfter' in reservation) {
            retryAfter = reservation.retryAfter;
            break;
          }
          holds.push(reservation.held);
        }
      } catch (error) {
        await Promise.all(holds.map((hold) => hold.counter.release(hold, false)));
        throw error;
      }
      if (retryAfter === undefined) return holds;
      // Hold nothing while waiting: the points held are others' to take meanwhile.
      await Promise.all(holds.map((hold) => hold.counter.release(hold, false)));
      await retryAfter;
    }
  }

  #countersFor({ account, client, login }: PasswordCheck): [FailureCounter, string][] {
    const counters: [FailureCounter, string][] = [];
    if (this.#perAccount) counters.push([this.#perAccount, account]);
    if (this.#perClient && client !== undefined) counters.push([this.#perClient, client]);
    if (this.#serverGuard && login) counters.push([this.#serverGuard, ALL]);
    return counters;
  }
}
