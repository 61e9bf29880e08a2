// The bridge's connections to the Redis of `limits.store`: one for commands
// (the limit counters, publishing) and one subscribed to channels. Every
// call is bounded by a short timeout and none waits for a connection, so a
// hung or absent Redis fails a request at once instead of holding it.
//
// The link is up only while both connections are ready, the subscriptions
// are in place and Redis answers a PING: a frozen Redis keeps its sockets
// open and only a probe shows it. Going down and coming back up are logged
// once each, and announced ('up', 'down') so that what may have been missed
// meanwhile (a revocation message) can be made good.
import { EventEmitter } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/** The longest a Redis call may take (connecting included). */
export const REDIS_TIMEOUT_MS = 1000;
/** How often Redis is asked for a PING: how soon a frozen Redis shows on /ready. */
const PROBE_INTERVAL_MS = 1000;

export interface RedisLinkEvents {
  up: [];
  down: [reason: string];
}

const OPTIONS: RedisOptions = {
  connectTimeout: REDIS_TIMEOUT_MS,
  commandTimeout: REDIS_TIMEOUT_MS,
  // A command while disconnected fails at once rather than waiting for a reconnect.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  // Reconnect soon after Redis is back: at most a second apart.
  retryStrategy: (attempt: number) => Math.min(100 * attempt, 1000),
  // Subscriptions are renewed by #subscribeAll on every connect, so the link knows when they are in place.
  autoResubscribe: false,
};

export class RedisLink extends EventEmitter<RedisLinkEvents> {
  /** For commands; fails at once while the link is not connected. */
  readonly commands: Redis;
  readonly #subscriber: Redis;
  readonly #channels = new Map<string, (message: string) => void>();
  readonly #log: Logger;
  readonly #probe: NodeJS.Timeout;
  #probing = false;
  #answering = false;
  #subscribed = false;
  /** What was last logged and announced; undefined until the first verdict. */
  #state: 'up' | 'down' | undefined;
  #reason = 'not connected yet';
  #closed = false;

  constructor(url: string, log: Logger) {
    super();
    this.#log = log;
    this.commands = new Redis(url, OPTIONS);
    this.#subscriber = new Redis(url, OPTIONS);
    // Without an 'error' listener ioredis would crash the process; the state says what matters.
    const failed = (error: Error) => this.#failed(`Redis connection failed (${codeOf(error)})`, false);
    this.commands.on('error', failed);
    this.#subscriber.on('error', failed);
    this.commands.on('ready', () => void this.#ping());
    this.commands.on('close', () => this.#failed('Redis connection closed', false));
    this.#subscriber.on('ready', () => void this.#subscribeAll());
    this.#subscriber.on('close', () => {
      this.#subscribed = false;
      this.#failed('Redis connection closed', false);
    });
    this.#subscriber.on('message', (channel: string, message: string) => this.#channels.get(channel)?.(message));
    this.#probe = setInterval(() => void this.#ping(), PROBE_INTERVAL_MS);
    this.#probe.unref();
    log.info({ store: url }, 'limits shared through Redis (limits.store)');
  }

  get isUp(): boolean {
    return this.#state === 'up';
  }

  /** Undefined while the link is up; otherwise why not (for the log and /ready, never for callers). */
  get downReason(): string | undefined {
    return this.isUp ? undefined : `limits store: ${this.#reason}`;
  }

  /** Calls `onMessage` for every message on `channel`, from now on and after every reconnect. */
  subscribe(channel: string, onMessage: (message: string) => void): void {
    this.#channels.set(channel, onMessage);
    if (this.#subscriber.status === 'ready') void this.#subscribeAll();
  }

  /** A command failed: the link counts as down until Redis answers a PING again. */
  commandFailed(error: unknown): void {
    this.#failed(`Redis command failed (${codeOf(error)})`, true);
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#probe);
    this.commands.disconnect();
    this.#subscriber.disconnect();
  }

  async #subscribeAll(): Promise<void> {
    try {
      if (this.#channels.size > 0) await this.#subscriber.subscribe(...this.#channels.keys());
      this.#subscribed = true;
      this.#changed();
    } catch (error) {
      this.#failed(`Redis subscription failed (${codeOf(error)})`, false);
    }
  }

  async #ping(): Promise<void> {
    if (this.#probing || this.#closed) return;
    this.#probing = true;
    try {
      await this.commands.ping();
      this.#answering = true;
      // A subscription that failed on a connection still open is tried again here.
      if (!this.#subscribed && this.#subscriber.status === 'ready') await this.#subscribeAll();
      this.#changed();
    } catch (error) {
      this.#failed(`Redis does not answer (${codeOf(error)})`, true);
    } finally {
      this.#probing = false;
    }
  }

  #failed(reason: string, unanswered: boolean): void {
    if (unanswered || this.commands.status !== 'ready') this.#answering = false;
    if (this.#state !== 'down') this.#reason = reason;
    this.#changed();
  }

  #changed(): void {
    if (this.#closed) return;
    const up = this.#answering && this.#subscribed && this.commands.status === 'ready' && this.#subscriber.status === 'ready';
    if (up && this.#state !== 'up') {
      this.#state = 'up';
      this.#log.info('limits store up');
      this.emit('up');
    } else if (!up && this.#state === 'up') {
      this.#down();
    } else if (!up && this.#state === undefined && this.#reason !== 'not connected yet') {
      // Never up since start-up, and a real failure seen: say so once.
      this.#down();
    }
  }

  #down(): void {
    this.#state = 'down';
    this.#log.warn({ reason: this.#reason, effect: 'password checks answer 503 until it is back' }, 'limits store down');
    this.emit('down', this.#reason);
  }
}

/** An error's code (ECONNREFUSED), else ioredis's fixed message ("Command timed out"), shortened. */
function codeOf(error: unknown): string {
  if (error instanceof Error) return ((error as NodeJS.ErrnoException).code ?? error.message).slice(0, 100);
  return 'unknown error';
}
