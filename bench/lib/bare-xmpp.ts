// The "B" side of the benchmark: a bare XMPP client with no HTTP and no
// bridge around it, sending the same IQs the bridge sends, over `sessions`
// sessions of the bridge's account (least-loaded first, as the bridge's pool
// picks). Built from the bridge's own connection pieces (src/xmpp/connect.ts,
// src/xmpp/iq-channel.ts), so A/B is the cost of everything else.
import { randomBytes } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import { createConnection, type XmppConnection } from '../../src/xmpp/connect.js';
import { IqChannel, type RequestOptions } from '../../src/xmpp/iq-channel.js';
import type { IqRequester } from '../../src/xmpp/in-band-registration.js';

export interface BareClientOptions {
  service: string;
  host: string;
  username: string;
  password: string;
  sessions: number;
  requestTimeoutMs?: number;
}

export class BareXmppClient implements IqRequester {
  readonly #connections: XmppConnection[];
  readonly #channels: IqChannel[];
  readonly #timeoutMs: number;
  #next = 0;

  private constructor(connections: XmppConnection[], channels: IqChannel[], timeoutMs: number) {
    this.#connections = connections;
    this.#channels = channels;
    this.#timeoutMs = timeoutMs;
  }

  static async open(options: BareClientOptions): Promise<BareXmppClient> {
    const tag = randomBytes(3).toString('hex');
    const connections = await Promise.all(
      Array.from({ length: options.sessions }, async (_, index) => {
        const connection = createConnection({
          service: options.service,
          domain: options.host,
          username: options.username,
          password: options.password,
          timeoutMs: 10_000,
          // Distinct from the bridge's resources: a clash would end the older session.
          resource: `bench-bare-${tag}-${index}`,
        });
        connection.entity.on('error', () => undefined);
        await connection.entity.start();
        // As the bridge's links do once online (src/xmpp/link.ts): xmpp.js's
        // middleware would otherwise parse both JIDs of every stanza.
        connection.endLoginPhase();
        return connection;
      }),
    );
    return new BareXmppClient(
      connections,
      connections.map((c) => new IqChannel(c.entity)),
      options.requestTimeoutMs ?? 10_000,
    );
  }

  get sessions(): number {
    return this.#channels.length;
  }

  request(iq: Element, options?: RequestOptions): Promise<Element> {
    return this.#leastLoaded().request(iq, this.#timeoutMs, options);
  }

  async close(): Promise<void> {
    for (const channel of this.#channels) channel.close('benchmark done');
    await Promise.all(this.#connections.map((c) => c.entity.stop().catch(() => undefined)));
  }

  /** The session with the fewest requests in flight; ties rotate (as src/xmpp/session-pool.ts). */
  #leastLoaded(): IqChannel {
    const n = this.#channels.length;
    let best = this.#channels[this.#next % n] as IqChannel;
    for (let i = 1; i < n; i += 1) {
      const channel = this.#channels[(this.#next + i) % n] as IqChannel;
      if (channel.inFlight < best.inFlight) best = channel;
    }
    this.#next = (this.#next + 1) % n;
    return best;
  }
}
