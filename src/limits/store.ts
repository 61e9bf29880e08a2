// Where the login limits keep their counts: this process's memory (the
// default), or the Redis of `limits.store`, shared by every instance that
// names it (../shared/redis-limit-store.ts). Either way the counting is rate-limiter-flexible's: per key, a
// fixed window of `windowSeconds` that opens at the key's first count.
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { WindowLimit } from './window.js';

/** The operations the limits use: atomic in the store, and consume rejects with a RateLimiterRes past `max`. */
export type WindowCounter = Pick<RateLimiterAbstract, 'consume' | 'reward' | 'penalty'>;

export interface LimitStore {
  /** Counts per key, at most `limit.max` per window; `name` keeps the limits' keys apart. */
  counter(name: string, limit: WindowLimit): WindowCounter;
  /** False while the store is known not to answer: checks are refused at once rather than after a timeout. */
  readonly available: boolean;
  /** A store operation failed (not a limit reached): the store is treated as down until it answers again. */
  failed(error: unknown): void;
}

/** Counts in this process only. */
export const memoryStore: LimitStore = {
  counter: (name, { max, windowSeconds }) => new RateLimiterMemory({ keyPrefix: name, points: max, duration: windowSeconds }),
  available: true,
  failed: () => undefined,
};
