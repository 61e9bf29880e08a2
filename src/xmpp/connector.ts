// The one owner of every XMPP connection the bridge opens: the admin
// sessions' and each user login's. It gives them the server's address (one
// of the cluster's nodes, those that answered last first), TLS settings and
// login deadline, and on shutdown ends them all at once, those still logging
// in included.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Credentials } from './connect.js';
import { SessionUnavailable } from '../contract/xmpp-failures.js';
import { Link, type Keepalive } from './link.js';
import type { TlsSettings } from './tls.js';

export interface ConnectorOptions {
  /** xmpp://host:port or xmpps://host:port: one server, or the nodes of one cluster. */
  services: readonly string[];
  tls?: TlsSettings;
  /** Bound on each login. */
  timeoutMs: number;
  log?: Logger;
}

export interface OpenOptions {
  /** Connect to this node only (an admin session chooses its own); default: the best, then the others. */
  service?: string;
  keepalive?: Keepalive;
  /** Told each time the connection answers a ping from the server. */
  onServerPing?: () => void;
}

export class Connector {
  readonly #options: ConnectorOptions;
  readonly #links = new Set<Link>();
  /** When each node last failed to take a connection; absent: it worked last (or was never tried). */
  readonly #failedAt = new Map<string, number>();
  /** Spreads logins over the nodes that work. */
  #turn = 0;
  #closedReason: string | undefined;
  #cancel: (reason: string) => void = () => undefined;
  readonly #cancelled = new Promise<string>((resolve) => (this.#cancel = resolve));

  constructor(options: ConnectorOptions) {
    this.#options = options;
  }

  /** Connections open or opening. */
  get count(): number {
    return this.#links.size + this.#opening;
  }

  #opening = 0;

  /**
   * Logs in with `credentials` on a connection of its own, with a unique
   * resource. Without `service`, tries the nodes that worked last first and
   * moves on to the next when one cannot be reached (never after a refused
   * login: the credentials are the same everywhere).
   */
  async open(credentials: Credentials, { service, keepalive, onServerPing }: OpenOptions = {}): Promise<Link> {
    const candidates = service === undefined ? this.#ranked() : [service];
    let lastError: unknown;
    for (const candidate of candidates) {
      if (this.#closedReason !== undefined) throw new SessionUnavailable(this.#closedReason);
      try {
        return await this.#openOn(candidate, credentials, { keepalive, onServerPing });
      } catch (error) {
        if (!(error instanceof SessionUnavailable)) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  /** Nodes that worked last first, rotating among them, then the others, least recently failed first. */
  #ranked(): string[] {
    const { services } = this.#options;
    this.#turn = (this.#turn + 1) % services.length;
    const rotated = [...services.slice(this.#turn), ...services.slice(0, this.#turn)];
    const working = rotated.filter((s) => !this.#failedAt.has(s));
    const failing = rotated
      .filter((s) => this.#failedAt.has(s))
      .sort((a, b) => (this.#failedAt.get(a) ?? 0) - (this.#failedAt.get(b) ?? 0));
    return [...working, ...failing];
  }

  async #openOn(service: string, credentials: Credentials, { keepalive, onServerPing }: OpenOptions): Promise<Link> {
    this.#opening += 1;
    let link: Link;
    try {
      link = await Link.open(
        {
          ...credentials,
          service,
          tls: this.#options.tls,
          timeoutMs: this.#options.timeoutMs,
          // Unique: sessions of one account must not replace each other
          // (ejabberd resolves a resource conflict by closing the older stream).
          resource: `ejabberd-restful-${randomBytes(4).toString('hex')}`,
          keepalive,
          onServerPing,
          log: this.#options.log,
        },
        this.#cancelled,
      );
    } catch (error) {
      if (error instanceof SessionUnavailable && this.#closedReason === undefined) this.#failedAt.set(service, Date.now());
      throw error;
    } finally {
      this.#opening -= 1;
    }
    this.#failedAt.delete(service);
    this.#links.add(link);
    link.once('down', () => this.#links.delete(link));
    // Closed while the last step of the login ran.
    if (this.#closedReason !== undefined) void link.close(this.#closedReason);
    return link;
  }

  /** Ends every connection, and refuses new ones, with `reason`; settles once their streams are closed. */
  async closeAll(reason: string): Promise<void> {
    this.#closedReason ??= reason;
    this.#cancel(reason);
    await Promise.all([...this.#links].map((link) => link.close(reason)));
  }
}
