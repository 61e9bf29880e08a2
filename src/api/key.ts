// Shared-secret keys, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Refusal } from '../accounts/refusal.js';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Equal-length digests make the comparison independent of the key's length too. */
export function keysMatch(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}

/** Refuses with 401 unless `given` is the configured key. With no key configured, refuses everything. */
export function requireKey(expected: string | undefined, given: unknown): void {
  if (expected === undefined) {
    throw new Refusal('unauthenticated', 'this endpoint has no key configured, so it refuses every request');
  }
  if (typeof given !== 'string' || !keysMatch(expected, given)) {
    throw new Refusal('unauthenticated', given === undefined ? 'the key is missing' : 'the key is wrong');
  }
}
