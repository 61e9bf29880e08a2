// The bridge's admin sessions: a pool of XmppSessions on the same account,
// each with its own resource and reconnect backoff. ejabberd runs a
// session's IQ handlers in that session's process, so one session uses about
// one core of the server however many it has (XMPP-FACTS); several spread
// the work. A request goes to the least-loaded session that is up; a session
// that drops takes only its own requests in flight with it. Requests beyond
// the in-flight bound wait briefly for a slot, then get a 503 with
// Retry-After; with no session up they fail at once.
import { EventEmitter } from 'node:events';
import type { Element } from '@xmpp/xml';
import type { Logger } from 'pino';
import type { Connector } from './connector.js';
import { SessionUnavailable } from '../contract/xmpp-failures.js';
import type { InFlightLimit } from './in-flight-limit.js';
import type { RequestOptions } from './iq-channel.js';
import { observed, operationOf, type XmppObserver } from './observe.js';
import { XmppSession, type SessionOptions } from './session.js';

export interface PoolOptions extends Omit<SessionOptions, 'firstService'> {
  /** Sessions to keep open. */
  size: number;
}

export interface PoolDeps {
  connector: Connector;
  limit: InFlightLimit;
  log: Logger;
  observer?: XmppObserver;
}

export interface PoolEvents {
  /** The first session is up after none was. */
  up: [];
  /** The last session went down. */
  down: [reason: string];
}

export class SessionPool extends EventEmitter<PoolEvents> {
  readonly #sessions: XmppSession[];
  readonly #deps: PoolDeps;
  readonly #services: readonly string[];
  /** Where the search for the least-loaded session starts: ties rotate. */
  #next = 0;
  #wasUp = false;

  constructor(options: PoolOptions, deps: PoolDeps) {
    super();
    this.#deps = deps;
    this.#services = options.services;
    // Session i starts on node i (mod the nodes): the pool spreads over the cluster.
    this.#sessions = Array.from(
      { length: options.size },
      (_, index) =>
        new XmppSession({ ...options, firstService: index }, { connector: deps.connector, log: deps.log.child({ session: index }) }),
    );
    for (const session of this.#sessions) {
      session.on('up', () => this.#changed());
      session.on('down', () => this.#changed());
    }
  }

  get size(): number {
    return this.#sessions.length;
  }

  get upCount(): number {
    return this.#sessions.filter((s) => s.isUp).length;
  }

  get isUp(): boolean {
    return this.#sessions.some((s) => s.isUp);
  }

  /** Why no session is up (for logs and 503 details); undefined while one is. */
  get downReason(): string | undefined {
    return this.isUp ? undefined : this.#sessions[0]?.downReason;
  }

  get inFlight(): number {
    return this.#sessions.reduce((sum, s) => sum + s.inFlight, 0);
  }

  get reconnects(): number {
    return this.#sessions.reduce((sum, s) => sum + s.reconnects, 0);
  }

  /** How many sessions are up on each node (every configured node listed, 0 included). */
  get upByService(): Map<string, number> {
    const counts = new Map<string, number>(this.#services.map((service) => [service, 0]));
    for (const session of this.#sessions) {
      const service = session.service;
      if (service !== undefined) counts.set(service, (counts.get(service) ?? 0) + 1);
    }
    return counts;
  }

  /** Starts every session; resolves once each first attempt has ended either way. */
  async start(): Promise<void> {
    await Promise.all(this.#sessions.map((s) => s.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.#sessions.map((s) => s.stop()));
  }

  request(iq: Element, options?: RequestOptions): Promise<Element> {
    return observed(this.#deps.observer, operationOf(iq), () =>
      this.#deps.limit.run(() => {
        // Chosen once a slot is granted: sessions may have dropped meanwhile.
        const session = this.#leastLoaded();
        if (!session) {
          return Promise.reject(new SessionUnavailable(`no XMPP session to the server (${this.downReason ?? 'none is up'})`));
        }
        return session.request(iq, options);
      }),
    );
  }

  #leastLoaded(): XmppSession | undefined {
    let best: XmppSession | undefined;
    const n = this.#sessions.length;
    for (let i = 0; i < n; i += 1) {
      const session = this.#sessions[(this.#next + i) % n] as XmppSession;
      if (session.isUp && (best === undefined || session.inFlight < best.inFlight)) best = session;
    }
    this.#next = (this.#next + 1) % n;
    return best;
  }

  #changed(): void {
    const up = this.isUp;
    if (up && !this.#wasUp) this.emit('up');
    if (!up && this.#wasUp) this.emit('down', this.downReason ?? 'no session is up');
    this.#wasUp = up;
  }
}
