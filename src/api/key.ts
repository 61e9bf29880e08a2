// Shared-secret keys, compared in constant time.
import crypto, { createHash, timingSafeEqual } from 'node:crypto';
import { Refusal } from '../contract/refusal.js';

/** One-shot crypto.hash (Node 20.12+) where there is one: no Hash object per request. */
const digest: (value: string) => Buffer =
  typeof crypto.hash === 'function'
    ? (value) => crypto.hash('sha256', value, 'buffer')
    : (value) => createHash('sha256').update(value, 'utf8').digest();

/** Equal-length digests make the comparison independent of the key's length too. */
export function keysMatch(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}

/**
 * A check of a mount's key: refuses with 401 unless `given` is the key. With
 * no key configured, refuses everything. The key's own digest is computed
 * once, not per request.
 */
export function keyCheck(expected: string | undefined): (given: unknown) => void {
  const expectedDigest = expected === undefined ? undefined : digest(expected);
  return (given) => {
    if (expectedDigest === undefined) {
      throw new Refusal('unauthenticated', 'this endpoint has no key configured, so it refuses every request');
    }
    if (typeof given !== 'string' || !timingSafeEqual(expectedDigest, digest(given))) {
      throw new Refusal('unauthenticated', given === undefined ? 'the key is missing' : 'the key is wrong');
    }
  };
}

/** Refuses with 401 unless `given` is the configured key (a one-off keyCheck). */
export function requireKey(expected: string | undefined, given: unknown): void {
  keyCheck(expected)(given);
}
