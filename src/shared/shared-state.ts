// What bridge instances share when `limits.store` names a Redis: the
// wrong-password counts (./redis-limit-store.ts) and the revocations of verified
// credentials (./credential-revocations.ts). Without it both stay in this
// process, and nothing here can be down.
import type { Logger } from 'pino';
import { LocalRevocations, RedisRevocations, type CredentialRevocations } from './credential-revocations.js';
import { memoryStore, type LimitStore } from '../limits/store.js';
import { redisStore } from './redis-limit-store.js';
import { RedisLink } from './redis-link.js';

export interface SharedState {
  store: LimitStore;
  revocations: CredentialRevocations;
  /** Undefined while the store answers; otherwise why not (for /ready and the log). */
  readonly downReason: string | undefined;
  close(): void;
}

export function openSharedState(storeUrl: string | undefined, log: Logger): SharedState {
  if (storeUrl === undefined) {
    return { store: memoryStore, revocations: new LocalRevocations(), downReason: undefined, close: () => undefined };
  }
  const link = new RedisLink(storeUrl, log);
  return {
    store: redisStore(link),
    revocations: new RedisRevocations(link, log),
    get downReason() {
      return link.downReason;
    },
    close: () => link.close(),
  };
}
