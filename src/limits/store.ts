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

/** A bound on the keys one counter keeps in memory: an attacker naming endless accounts or clients cannot fill it. */
export const MEMORY_MAX_KEYS = 100_000;

/**
 * rate-limiter-flexible's memory counter, with at most `maxKeys` keys: a
 * new key beyond that first drops the keys whose window has closed, then
 * the oldest one still open (its count starts over, as the limits before
 * rate-limiter-flexible did). The windows are fixed and of one length, so
 * the order keys were first counted in is the order their windows close in.
 */
export function boundedMemoryCounter(name: string, { max, windowSeconds }: WindowLimit, maxKeys = MEMORY_MAX_KEYS): WindowCounter {
  const limiter = new RateLimiterMemory({ keyPrefix: name, points: max, duration: windowSeconds });
  const windowMs = windowSeconds * 1000;
  /** Key -> when its window closes (by Date.now(), as the limiter's own records). */
  const windows = new Map<string, number>();
  const track = (key: string | number) => {
    const id = String(key);
    const now = Date.now();
    const closes = windows.get(id);
    if (closes !== undefined && closes > now) return;
    windows.delete(id);
    for (const [oldest, closesAt] of windows) {
      if (closesAt > now && windows.size < maxKeys) break;
      windows.delete(oldest);
      // Still open: forget its count (and the limiter's timer for it).
      if (closesAt > now) void limiter.delete(oldest);
    }
    windows.set(id, now + windowMs);
  };
  return {
    consume: (key, points, options) => {
      track(key);
      return limiter.consume(key, points, options);
    },
    reward: (key, points, options) => {
      track(key);
      return limiter.reward(key, points, options);
    },
    penalty: (key, points, options) => {
      track(key);
      return limiter.penalty(key, points, options);
    },
  };
}

/** Counts in this process only. */
export const memoryStore: LimitStore = {
  counter: (name, limit) => boundedMemoryCounter(name, limit),
  available: true,
  failed: () => undefined,
};
