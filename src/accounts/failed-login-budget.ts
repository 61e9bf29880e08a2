// mod_fail2ban counts every failed login by the bridge's source address, and
// after (by default) 20 in an hour bans that address, the bridge's own admin
// session included. Password checks on a caller's behalf are logins, so the
// bridge caps its own failures per window below that limit and answers 429
// instead of getting itself banned. The ejabberd.yml.example exempts the
// bridge's address; with that in place the cap can be set to `unlimited`.
import { LoginRefused } from '../xmpp/errors.js';
import { Refusal } from './refusal.js';

export class FailedLoginBudget {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  /** Times of recent failures, oldest first. */
  #failures: number[] = [];

  constructor(max: number, windowSeconds: number, now: () => number = Date.now) {
    this.#max = max;
    this.#windowMs = windowSeconds * 1000;
    this.#now = now;
  }

  /** Logins under way: each may still fail, so each holds a unit of the budget. */
  #pending = 0;

  /**
   * Runs a login that checks a caller's password, counting it if the server
   * refuses it. Refuses with too_many_requests, before logging in, while the
   * budget is spent.
   */
  async spend<T>(login: () => Promise<T>): Promise<T> {
    const now = this.#now();
    this.#failures = this.#failures.filter((t) => now - t < this.#windowMs);
    if (this.#failures.length + this.#pending >= this.#max) {
      const oldest = this.#failures[0] ?? now;
      throw new Refusal(
        'too_many_requests',
        'too many wrong passwords were checked recently; the bridge pauses password checks so the XMPP server does not ban it',
        { retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.#windowMs - now) / 1000)) },
      );
    }
    this.#pending += 1;
    try {
      return await login();
    } catch (error) {
      if (error instanceof LoginRefused) this.#failures.push(this.#now());
      throw error;
    } finally {
      this.#pending -= 1;
    }
  }
}
