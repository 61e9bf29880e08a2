// Remembers credentials the XMPP server has just verified, so an admin tool
// calling the API in a loop does not cost a login per call. Bounded in size
// (least recently used out first) and in time (from the verification, not the
// last use, so a revoked admin or changed password takes effect within the
// TTL). The password is never kept: only an HMAC of user and password under a
// key drawn at start-up, which is useless outside this process. Each
// instance keeps its own; what must reach all of them is a revocation
// (../../accounts/credential-revocations.ts), which names only the account.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

interface Entry<T> {
  digest: Buffer;
  expiresAt: number;
  value: T;
}

export interface CredentialCacheOptions {
  maxEntries: number;
  ttlMs: number;
  now?: () => number;
}

export class CredentialCache<T> {
  readonly #key = randomBytes(32);
  readonly #entries = new Map<string, Entry<T>>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor({ maxEntries, ttlMs, now = Date.now }: CredentialCacheOptions) {
    this.#maxEntries = maxEntries;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** A keyed digest of the pair: equal pairs, equal digests; nothing about the secret is recoverable. */
  fingerprint(user: string, secret: string): Buffer {
    return createHmac('sha256', this.#key).update(user, 'utf8').update('\0').update(secret, 'utf8').digest();
  }

  /**
   * The value remembered for exactly this user and secret. A different secret
   * for a remembered user drops the entry: the next call verifies afresh.
   */
  get(user: string, secret: string): T | undefined {
    const entry = this.#entries.get(user);
    if (entry === undefined) return undefined;
    if (this.#now() >= entry.expiresAt || !timingSafeEqual(entry.digest, this.fingerprint(user, secret))) {
      this.#entries.delete(user);
      return undefined;
    }
    // Re-insert: Map order is the eviction order.
    this.#entries.delete(user);
    this.#entries.set(user, entry);
    return entry.value;
  }

  set(user: string, secret: string, value: T): void {
    this.#entries.delete(user);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(user, { digest: this.fingerprint(user, secret), expiresAt: this.#now() + this.#ttlMs, value });
  }

  delete(user: string): void {
    this.#entries.delete(user);
  }

  clear(): void {
    this.#entries.clear();
  }
}
