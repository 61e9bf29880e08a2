// The login limits' counts in the Redis of `limits.store`, shared by every
// instance connected to it (the store interface: ../limits/store.ts).
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { LimitStore } from '../limits/store.js';
import type { RedisLink } from './redis-link.js';

/** Key prefix in Redis: one Redis (or db) may serve other applications too. */
const PREFIX = 'ejabberd-restful:limits:';

/** Counts in Redis, shared by every instance connected to it. */
export function redisStore(link: RedisLink): LimitStore {
  return {
    counter: (name, { max, windowSeconds }) =>
      new RateLimiterRedis({
        storeClient: link.commands,
        keyPrefix: `${PREFIX}${name}`,
        points: max,
        duration: windowSeconds,
        // Fail at once, never fall back to counting in memory: no limit is lifted while Redis is away.
        rejectIfRedisNotReady: true,
      }),
    get available() {
      return link.isUp;
    },
    failed: (error) => link.commandFailed(error),
  };
}
