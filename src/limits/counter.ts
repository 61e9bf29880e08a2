// One wrong-password limit (per account, per client or the server guard),
// counted in a LimitStore by reservation: a check takes a point before it
// runs and gives it back unless the password was refused. So the count
// covers failures and checks in flight together, and the store's atomic
// increment refuses the point that would let the limit be overshot, whether
// the checks in flight run in this process or in another instance.
//
// What that guarantees, and what not:
// - never more than `max` refusals per window of a key, across all instances
//   sharing the store (a check whose outcome is unknown keeps its point);
// - within one process, a check is never refused because of checks in
//   flight: when only this process's reservations fill the limit it waits
//   for one of them to end, then tries again (exact, as the counts of the
//   memory store are);
// - across instances, a check may be refused (429) while checks of the same
//   key in flight on another instance hold the remaining points: this
//   process cannot see them end. The limit is still never overshot;
// - a window opens at a key's first reservation and closes `windowSeconds`
//   later (rate-limiter-flexible's fixed windows): a check that succeeded may
//   open it, and just after it closes a new one allows `max` again.
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { LimitStore, WindowCounter } from './store.js';
import type { WindowLimit } from './window.js';
import { Refusal } from '../contract/refusal.js';

/** A point held for a check in flight. */
export interface Hold {
  counter: FailureCounter;
  key: string;
  /** When the window the point was taken in closes, by this process's clock (never late). */
  windowEndsAt: number;
}

/** reserve()'s answer: a point held, or a promise to wait on before trying again. */
export type Reservation = { held: Hold } | { retryAfter: Promise<void> };

/** This process's reservations of one key, and the checks waiting for one to end. */
interface Local {
  held: number;
  /** Reservations ended so far: a change means a point may have come back. */
  ended: number;
  /** reserve() calls under way: the entry must outlive them. */
  trying: number;
  waiters: (() => void)[];
}

export const STORE_UNAVAILABLE_DETAIL = 'password checks are unavailable for a moment; try again shortly';

export class FailureCounter {
  readonly #counter: WindowCounter;
  readonly #store: LimitStore;
  readonly #what: string;
  readonly #local = new Map<string, Local>();

  constructor(store: LimitStore, name: string, limit: WindowLimit, what: string) {
    this.#counter = store.counter(name, limit);
    this.#store = store;
    this.#what = what;
  }

  /**
   * Takes a point for a check of `key`. Throws too_many_requests (Retry-After:
   * the window's true remaining time) when the limit is spent, and
   * service_unavailable when the store does not answer.
   */
  async reserve(key: string): Promise<Reservation> {
    if (!this.#store.available) throw this.#unavailable(undefined);
    const local = this.#entry(key);
    local.trying += 1;
    try {
      const endedBefore = local.ended;
      const startedAt = Date.now();
      let over: RateLimiterRes;
      try {
        const taken = await this.#counter.consume(key, 1);
        local.held += 1;
        // Measured from before the call: the estimate of the window's end is never late.
        return { held: { counter: this, key, windowEndsAt: startedAt + taken.msBeforeNext } };
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw this.#unavailable(error);
        over = error;
      }
      // The refused consume counted a point too: take it back.
      try {
        await this.#giveBack(key);
      } catch (error) {
        throw this.#unavailable(error);
      }
      // One of ours ended meanwhile: its point may be back, try again now.
      if (local.ended !== endedBefore) return { retryAfter: Promise.resolve() };
      // Ours in flight fill the limit: wait for one to end (no await between the check and the wait).
      if (local.held > 0) return { retryAfter: new Promise((resolve) => local.waiters.push(resolve)) };
      throw new Refusal('too_many_requests', this.#what, { retryAfterSeconds: Math.max(1, Math.ceil(over.msBeforeNext / 1000)) });
    } finally {
      local.trying -= 1;
      this.#tidy(key, local);
    }
  }

  /** Ends a check: a refused password keeps its point; anything else gives it back. Never throws. */
  async release(hold: Hold, refused: boolean): Promise<void> {
    // A point taken in a window that has closed went with it: giving it back would credit the next window.
    if (!refused && Date.now() < hold.windowEndsAt) {
      // If the store fails, the point stays counted until its window closes: a success taken for a failure, never the reverse.
      await this.#giveBack(hold.key).catch((error: unknown) => this.#store.failed(error));
    }
    const local = this.#entry(hold.key);
    local.held -= 1;
    local.ended += 1;
    for (const wake of local.waiters.splice(0)) wake();
    this.#tidy(hold.key, local);
  }

  async #giveBack(key: string): Promise<void> {
    const after = await this.#counter.reward(key, 1);
    // The window closed just before the reward reached the store, which opened a new one at -1: cancel that credit.
    if (after.consumedPoints < 0) await this.#counter.penalty(key, 1);
  }

  #unavailable(error: unknown): Refusal {
    if (error !== undefined) this.#store.failed(error);
    return new Refusal('service_unavailable', STORE_UNAVAILABLE_DETAIL, { retryAfterSeconds: 1 });
  }

  #entry(key: string): Local {
    let local = this.#local.get(key);
    if (local === undefined) {
      local = { held: 0, ended: 0, trying: 0, waiters: [] };
      this.#local.set(key, local);
    }
    return local;
  }

  #tidy(key: string, local: Local): void {
    if (local.held === 0 && local.trying === 0 && local.waiters.length === 0) this.#local.delete(key);
  }
}
