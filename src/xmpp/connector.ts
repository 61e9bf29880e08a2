// The one owner of every XMPP connection the bridge opens: the admin
// session's and each user login's. It gives them the server's address, TLS
// settings and login deadline, and on shutdown ends them all at once, those
// still logging in included.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Credentials } from './connect.js';
import { SessionUnavailable } from './errors.js';
import { Link, type Keepalive } from './link.js';
import type { TlsSettings } from './tls.js';

export interface ConnectorOptions {
  /** xmpp://host:port or xmpps://host:port. */
  service: string;
  tls?: TlsSettings;
  /** Bound on each login. */
  timeoutMs: number;
  log?: Logger;
}

export interface OpenOptions {
  keepalive?: Keepalive;
  /** Told each time the connection answers a ping from the server. */
  onServerPing?: () => void;
}

export class Connector {
  readonly #options: ConnectorOptions;
  readonly #links = new Set<Link>();
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

  /** Logs in with `credentials` on a connection of its own, with a unique resource. */
  async open(credentials: Credentials, { keepalive, onServerPing }: OpenOptions = {}): Promise<Link> {
    if (this.#closedReason !== undefined) throw new SessionUnavailable(this.#closedReason);
    this.#opening += 1;
    let link: Link;
    try {
      link = await Link.open(
        {
          ...credentials,
          service: this.#options.service,
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
    } finally {
      this.#opening -= 1;
    }
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
