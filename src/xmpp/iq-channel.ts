// One connection's IQ traffic with deadlines and in-flight tracking. xmpp.js
// leaves requests waiting for their own timeout when the stream drops (see
// XMPP-FACTS), so every request is registered here and failed at once when
// the connection goes away.
import type { Element } from '@xmpp/xml';
import StanzaError from '@xmpp/middleware/lib/StanzaError.js';
import type { XmppConnection } from './connect.js';
import { RequestTimeout, SessionUnavailable, StanzaFailure } from './errors.js';

interface Pending {
  fail(error: Error): void;
}

export class IqChannel {
  readonly #connection: XmppConnection;
  readonly #pending = new Set<Pending>();
  #closedReason: string | undefined;

  constructor(connection: XmppConnection) {
    this.#connection = connection;
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  /** Sends an IQ and resolves with the result stanza, or rejects with an ./errors.js error. */
  request(iq: Element, timeoutMs: number): Promise<Element> {
    if (this.#closedReason !== undefined) {
      return Promise.reject(new SessionUnavailable(this.#closedReason));
    }
    const { iqCaller } = this.#connection;
    return new Promise<Element>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#pending.delete(pending);
        // Drop xmpp.js's own handler so a late answer is simply ignored.
        const id = iq.attrs.id as string | undefined;
        if (id !== undefined) iqCaller.handlers.delete(id);
        outcome();
      };
      const pending: Pending = { fail: (error) => settle(() => reject(error)) };
      const timer = setTimeout(() => pending.fail(new RequestTimeout(timeoutMs)), timeoutMs);
      this.#pending.add(pending);
      // xmpp.js's timer starts after ours with the same length, so ours
      // decides; a longer one would keep the process alive after shutdown.
      iqCaller.request(iq, timeoutMs).then(
        (reply) => settle(() => resolve(reply)),
        (error: unknown) => pending.fail(translate(error, timeoutMs)),
      );
    });
  }

  /** Fails every request in flight and refuses new ones. */
  close(reason: string): void {
    this.#closedReason ??= reason;
    for (const pending of [...this.#pending]) pending.fail(new SessionUnavailable(reason));
  }
}

function translate(error: unknown, timeoutMs: number): Error {
  if (error instanceof StanzaError) {
    return new StanzaFailure(error.condition, error.text, error.type);
  }
  if (error instanceof Error && error.name === 'TimeoutError') return new RequestTimeout(timeoutMs);
  // Sending on a socket that is already gone throws a TypeError in xmpp.js.
  const message = error instanceof Error ? error.message : String(error);
  return new SessionUnavailable(`the XMPP connection failed: ${message}`);
}
