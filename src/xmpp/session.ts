// The bridge's own long-lived XMPP session: connects, stays connected,
// reconnects with exponential backoff, and knows whether it is up. Requests
// while it is down fail at once (never queue), so callers get a prompt 503.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import type { Logger } from 'pino';
import { createConnection, type ConnectionOptions, type XmppConnection } from './connect.js';
import { withDeadline } from './deadline.js';
import { IqChannel } from './iq-channel.js';
import { loginFailureCondition } from './login.js';
import { SessionUnavailable } from './errors.js';
import { observed, operationOf, type XmppObserver } from './observe.js';

export interface SessionOptions extends Omit<ConnectionOptions, 'resource'> {
  requestTimeoutMs: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
}

export interface SessionEvents {
  up: [];
  down: [reason: string];
}

export class XmppSession extends EventEmitter<SessionEvents> {
  readonly #options: SessionOptions;
  readonly #log: Logger;
  readonly #observer: XmppObserver | undefined;
  #connection: XmppConnection | undefined;
  #channel: IqChannel | undefined;
  #stopped = true;
  #downReason = 'not connected yet';
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #reconnects = 0;

  constructor(options: SessionOptions, log: Logger, observer?: XmppObserver) {
    super();
    this.#options = options;
    this.#log = log;
    this.#observer = observer;
  }

  get isUp(): boolean {
    return this.#channel !== undefined;
  }

  /** Why the session is down (for /ready and 503 details); undefined while up. */
  get downReason(): string | undefined {
    return this.isUp ? undefined : this.#downReason;
  }

  get inFlight(): number {
    return this.#channel?.inFlight ?? 0;
  }

  get reconnects(): number {
    return this.#reconnects;
  }

  /** Starts connecting in the background; resolves once the first attempt ends either way. */
  start(): Promise<void> {
    this.#stopped = false;
    return this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    const connection = this.#connection;
    this.#markDown('the bridge is shutting down');
    if (connection) await connection.entity.stop().catch(() => undefined);
  }

  request(iq: Element, timeoutMs = this.#options.requestTimeoutMs): Promise<Element> {
    // Names the payload only (e.g. "query jabber:iq:register"): never its content.
    const operation = operationOf(iq);
    return observed(this.#observer, operation, () => {
      const channel = this.#channel;
      if (!channel) {
        return Promise.reject(new SessionUnavailable(`no XMPP session to the server (${this.#downReason})`));
      }
      this.#log.debug({ payload: operation }, 'xmpp request');
      return channel.request(iq, timeoutMs);
    });
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const connection = createConnection({
      ...this.#options,
      // A unique resource: several bridge instances on one account must not
      // replace each other's sessions (ejabberd resolves a resource conflict
      // by closing the older stream).
      resource: `ejabberd-restful-${randomBytes(4).toString('hex')}`,
    });
    const { entity } = connection;
    // Without an 'error' listener xmpp.js crashes the process on stream errors.
    entity.on('error', (error: Error) => {
      this.#log.warn({ err: error.message }, 'xmpp session error');
    });
    entity.on('disconnect', () => {
      if (this.#connection !== connection) return;
      this.#markDown('the connection to the XMPP server was lost');
      this.#scheduleReconnect();
    });
    this.#connection = connection;
    try {
      await withDeadline(entity.start(), this.#options.timeoutMs);
    } catch (error) {
      const refused = loginFailureCondition(error);
      this.#downReason = refused
        ? `the XMPP server refused the bridge's login (${refused})`
        : `cannot connect to the XMPP server: ${(error as Error).message}`;
      this.#log.error({ reason: this.#downReason }, 'xmpp session failed to start');
      if (this.#connection === connection) this.#connection = undefined;
      entity.stop().catch(() => undefined);
      this.#scheduleReconnect();
      return;
    }
    if (this.#stopped || this.#connection !== connection) {
      entity.stop().catch(() => undefined);
      return;
    }
    this.#attempt = 0;
    this.#channel = new IqChannel(connection);
    this.#log.info({ jid: entity.jid?.toString() }, 'xmpp session up');
    this.emit('up');
  }

  #markDown(reason: string): void {
    const wasUp = this.isUp;
    this.#downReason = reason;
    this.#channel?.close(reason);
    this.#channel = undefined;
    this.#connection = undefined;
    if (wasUp) {
      // Expected when the bridge itself stops; a warning otherwise.
      this.#log[this.#stopped ? 'info' : 'warn']({ reason }, 'xmpp session down');
      this.emit('down', reason);
    }
  }

  #scheduleReconnect(): void {
    if (this.#stopped || this.#retryTimer !== undefined) return;
    const { initialDelayMs, maxDelayMs } = this.#options.reconnect;
    const base = Math.min(maxDelayMs, initialDelayMs * 2 ** this.#attempt);
    // Full jitter keeps several bridges from reconnecting in lockstep.
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    this.#attempt += 1;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#reconnects += 1;
      void this.#connect();
    }, delay);
    this.#retryTimer.unref();
  }
}
