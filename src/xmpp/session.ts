// One of the bridge's own long-lived XMPP sessions (./session-pool.ts holds
// them): connects, stays connected (its Link pings an idle server and
// recycles a dead path), reconnects with exponential backoff, and knows
// whether it is up. Requests while it is down fail at once (never queue).
import { EventEmitter } from 'node:events';
import type { Element } from '@xmpp/xml';
import type { Logger } from 'pino';
import type { Credentials } from './connect.js';
import type { Connector } from './connector.js';
import { LoginRefused, SessionUnavailable } from '../contract/xmpp-failures.js';
import type { RequestOptions } from './iq-channel.js';
import type { Keepalive, Link } from './link.js';
import { operationOf } from './observe.js';

export interface SessionOptions {
  /** The cluster's nodes; the session stays on one while it works and moves to the next when it does not. */
  services: readonly string[];
  /** Index of the node to try first. */
  firstService: number;
  credentials: Credentials;
  requestTimeoutMs: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  keepalive: Keepalive;
}

export interface SessionDeps {
  connector: Connector;
  log: Logger;
}

export interface SessionEvents {
  up: [];
  down: [reason: string];
}

export class XmppSession extends EventEmitter<SessionEvents> {
  readonly #options: SessionOptions;
  readonly #deps: SessionDeps;
  #link: Link | undefined;
  #stopped = true;
  #downReason = 'not connected yet';
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #reconnects = 0;
  /** Index into options.services of the node to connect to next. */
  #serviceIndex: number;

  constructor(options: SessionOptions, deps: SessionDeps) {
    super();
    this.#options = options;
    this.#deps = deps;
    this.#serviceIndex = options.firstService;
  }

  /** The node the session is on while up. */
  get service(): string | undefined {
    return this.#link?.service;
  }

  get isUp(): boolean {
    return this.#link !== undefined;
  }

  /** Why the session is down (for logs and 503 details); undefined while up. */
  get downReason(): string | undefined {
    return this.isUp ? undefined : this.#downReason;
  }

  get inFlight(): number {
    return this.#link?.inFlight ?? 0;
  }

  get reconnects(): number {
    return this.#reconnects;
  }

  /** Starts connecting in the background; resolves once the first attempt ends either way. */
  start(): Promise<void> {
    this.#stopped = false;
    return this.#connect();
  }

  /** Resolves once the stream is closed (the server's closing tag, or xmpp.js's own timeout). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    await this.#link?.close('the bridge is shutting down');
  }

  request(iq: Element, options?: RequestOptions): Promise<Element> {
    const link = this.#link;
    if (!link) return Promise.reject(new SessionUnavailable(`no XMPP session to the server (${this.#downReason})`));
    // Names the payload only (e.g. "query jabber:iq:register"): never its content.
    // Named only when debug lines are written: every request passes here.
    if (this.#deps.log.isLevelEnabled('debug')) this.#deps.log.debug({ payload: operationOf(iq) }, 'xmpp request');
    return link.request(iq, this.#options.requestTimeoutMs, options);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const { log } = this.#deps;
    const { services } = this.#options;
    const service = services[this.#serviceIndex % services.length] as string;
    let link: Link;
    try {
      link = await this.#deps.connector.open(this.#options.credentials, {
        service,
        keepalive: this.#options.keepalive,
        onServerPing: () => log.debug('answered a ping from the XMPP server'),
      });
    } catch (error) {
      this.#downReason =
        error instanceof LoginRefused
          ? `the XMPP server refused the bridge's login (${error.condition})`
          : `cannot connect to the XMPP server: ${(error as Error).message}`;
      log.error({ reason: this.#downReason, service }, 'xmpp session failed to start');
      // The next attempt goes to the next node of the cluster, if there is one.
      this.#serviceIndex += 1;
      this.#scheduleReconnect();
      return;
    }
    if (this.#stopped) {
      void link.close('the bridge is shutting down');
      return;
    }
    const down = (reason: string) => {
      this.#link = undefined;
      // Lost: the node may be gone; the next attempt goes to the next one.
      if (!this.#stopped) this.#serviceIndex += 1;
      this.#downReason = reason;
      // Expected when the bridge itself stops; a warning otherwise.
      log[this.#stopped ? 'info' : 'warn']({ reason }, 'xmpp session down');
      this.emit('down', reason);
      this.#scheduleReconnect();
    };
    if (!link.isUp) {
      down('the connection to the XMPP server was lost right after login');
      return;
    }
    link.once('down', down);
    this.#attempt = 0;
    this.#link = link;
    log.info({ jid: link.jid, service }, 'xmpp session up');
    this.emit('up');
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
