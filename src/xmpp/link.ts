// One XMPP connection from start to end: the bridge's admin session and
// every user login are Links, so starting, deadlines, liveness and closing
// are decided once. xmpp.js's own start() is not used: it leaves a promise
// that rejects unhandled when the socket is reset while the stream opens
// (the process died of an ECONNRESET that way).
import { EventEmitter } from 'node:events';
import type { Client } from '@xmpp/client-core';
import { xml } from '@xmpp/client-core';
import type { Element } from '@xmpp/xml';
import type { Logger } from 'pino';
import { createConnection, type ConnectionOptions } from './connect.js';
import { LoginRefused, RequestTimeout, SessionUnavailable } from '../contract/xmpp-failures.js';
import { IqChannel, type RequestOptions } from './iq-channel.js';
import { SaslFailure } from './sasl/negotiate.js';

/** XEP-0199 pings from the bridge on an idle connection, and recycling after repeated timeouts. */
export interface Keepalive {
  /** Ping after this long without hearing from the server. */
  idleMs: number;
  /** A ping unanswered this long ends the connection. */
  timeoutMs: number;
  /** This many requests in a row without an answer (and nothing heard meanwhile) end the connection. */
  maxTimeouts: number;
}

export interface LinkOptions extends ConnectionOptions {
  /** Bound on the whole login: TCP, stream, TLS, SASL and resource binding. */
  timeoutMs: number;
  /** Told each time the connection answers a ping from the server. */
  onServerPing?: () => void;
  keepalive?: Keepalive;
  log?: Logger;
}

/** TCP keepalive: the kernel notices a peer that vanished without a FIN. */
const TCP_KEEPALIVE_MS = 15_000;

export class Link extends EventEmitter<{ down: [reason: string] }> {
  readonly #entity: Client;
  readonly #channel: IqChannel;
  readonly #log: Logger | undefined;
  #downReason: string | undefined;
  #lastHeard = Date.now();
  #timeoutsInARow = 0;
  #pinger: NodeJS.Timeout | undefined;
  readonly #service: string;
  /** Settles once the stream is closed after close(). */
  #stopped: Promise<void> = Promise.resolve();

  private constructor(entity: Client, options: LinkOptions) {
    super();
    this.#entity = entity;
    this.#service = options.service;
    this.#log = options.log;
    this.#channel = new IqChannel(entity, {
      onTimeout: () => {
        this.#timeoutsInARow += 1;
        const max = options.keepalive?.maxTimeouts;
        if (max !== undefined && this.#timeoutsInARow >= max) {
          void this.close(`${this.#timeoutsInARow} XMPP requests in a row got no answer; reconnecting`);
        }
      },
    });
    entity.on('element', (element: Element) => {
      this.#lastHeard = Date.now();
      this.#timeoutsInARow = 0;
      if (element.name === 'iq') this.#answerServer(element, options.onServerPing);
    });
    entity.on('disconnect', () => void this.close('the connection to the XMPP server was lost'));
    // Lost between logging in and this constructor: no 'disconnect' will come again.
    if (entity.status !== 'online') queueMicrotask(() => void this.close('the connection to the XMPP server was lost'));
    if (options.keepalive) this.#keepAlive(options.keepalive);
  }

  /**
   * Connects and logs in within `options.timeoutMs`. Rejects with
   * LoginRefused (the server refused the credentials), RequestTimeout or
   * SessionUnavailable; `cancelled` (shutdown) ends the attempt at once.
   */
  static async open(options: LinkOptions, cancelled?: Promise<string>): Promise<Link> {
    const connection = createConnection(options);
    const { entity } = connection;
    const { log } = options;
    // Without an 'error' listener xmpp.js crashes the process on stream errors.
    entity.on('error', (error: Error) => log?.debug({ err: error.message }, 'xmpp connection error'));
    entity.on('connect', () => setKeepAlive(entity));
    const online = startEntity(entity, options);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RequestTimeout(options.timeoutMs)), options.timeoutMs);
    });
    const cancel = (cancelled ?? new Promise<string>(() => undefined)).then((reason) => {
      throw new SessionUnavailable(reason);
    });
    try {
      await Promise.race([online, deadline, cancel]);
    } catch (error) {
      online.catch(() => undefined);
      entity.stop().catch(() => undefined);
      throw loginError(error);
    } finally {
      clearTimeout(timer);
    }
    // STARTTLS replaced the socket the 'connect' listener saw.
    setKeepAlive(entity);
    connection.endLoginPhase();
    return new Link(entity, options);
  }

  get jid(): string | undefined {
    return this.#entity.jid?.toString();
  }

  /** The node this connection is on (xmpp://host:port). */
  get service(): string {
    return this.#service;
  }

  get isUp(): boolean {
    return this.#downReason === undefined;
  }

  get inFlight(): number {
    return this.#channel.inFlight;
  }

  request(iq: Element, timeoutMs: number, options?: RequestOptions): Promise<Element> {
    return this.#channel.request(iq, timeoutMs, options);
  }

  /**
   * Ends the connection (idempotent): requests in flight fail at once and
   * 'down' is emitted once. The promise settles when the stream is closed;
   * request paths need not wait for it (~100 ms for the server's closing tag).
   */
  close(reason: string): Promise<void> {
    if (this.#downReason === undefined) {
      this.#downReason = reason;
      clearInterval(this.#pinger);
      this.#channel.close(reason);
      this.#stopped = this.#entity.stop().then(
        () => undefined,
        () => undefined,
      );
      this.emit('down', reason);
    }
    return this.#stopped;
  }

  /**
   * IQs the server sends this connection: XEP-0199 pings are answered (ejabberd's
   * mod_ping may end a session that does not), anything else is refused with
   * <service-unavailable/>, as RFC 6120 §8.4 asks. Answers are not answered.
   */
  #answerServer(iq: Element, onServerPing: (() => void) | undefined): void {
    const { type, id, from } = iq.attrs as Record<string, string | undefined>;
    if ((type !== 'get' && type !== 'set') || id === undefined) return;
    const children = iq.children.filter((c): c is Element => typeof c !== 'string');
    const [payload] = children;
    const isPing = type === 'get' && children.length === 1 && payload?.name === 'ping' && payload.attrs.xmlns === 'urn:xmpp:ping';
    const reply = isPing
      ? xml('iq', { type: 'result', id, to: from })
      : xml(
          'iq',
          { type: 'error', id, to: from },
          xml('error', { type: 'cancel' }, xml('service-unavailable', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' })),
        );
    this.#channel.post(reply);
    if (isPing) onServerPing?.();
  }

  #keepAlive({ idleMs, timeoutMs }: Keepalive): void {
    let pinging = false;
    this.#pinger = setInterval(
      () => {
        if (pinging || Date.now() - this.#lastHeard < idleMs) return;
        pinging = true;
        const ping = xml('iq', { type: 'get', to: this.#entity.jid?.domain }, xml('ping', { xmlns: 'urn:xmpp:ping' }));
        this.#channel.request(ping, timeoutMs).then(
          () => this.#log?.trace('xmpp ping answered'),
          (error: unknown) => {
            // Any answer, even an error, shows the path is alive.
            if (error instanceof RequestTimeout) void this.close(`the XMPP server did not answer a ping within ${timeoutMs} ms`);
          },
        ).finally(() => {
          pinging = false;
        });
      },
      Math.max(50, Math.min(idleMs, timeoutMs) / 2),
    );
    this.#pinger.unref();
  }
}

/** Like xmpp.js's start(), with every promise it creates handled. */
async function startEntity(entity: Client, { service, domain }: LinkOptions): Promise<void> {
  const online = new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      entity.off('online', onOnline);
      entity.off('error', onError);
      entity.off('disconnect', onDisconnect);
    };
    const onOnline = () => {
      cleanup();
      resolve();
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onDisconnect = () => {
      cleanup();
      reject(new SessionUnavailable('the XMPP server closed the connection during login'));
    };
    entity.on('online', onOnline);
    entity.on('error', onError);
    entity.on('disconnect', onDisconnect);
  });
  online.catch(() => undefined);
  await entity.connect(service);
  await entity.open({ domain, lang: 'en' });
  await online;
}

function setKeepAlive(entity: Client): void {
  const socket = entity.socket as { setKeepAlive?: (on: boolean, delayMs: number) => void } | null;
  socket?.setKeepAlive?.(true, TCP_KEEPALIVE_MS);
}

/** A failed login in ../contract/xmpp-failures.js terms: nothing was done, so never an unknown outcome. */
function loginError(error: unknown): Error {
  if (error instanceof SaslFailure) return new LoginRefused(error.condition);
  if (error instanceof RequestTimeout) {
    return new SessionUnavailable(`the XMPP server did not complete the login within ${error.ms} ms`);
  }
  if (error instanceof SessionUnavailable) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SessionUnavailable(`cannot log in to the XMPP server: ${message}`);
}
