// One connection's IQ traffic: ids, deadlines, in-flight tracking, and what
// is known about each request when it fails. Replies are matched here rather
// than by xmpp.js's IQCaller, because the bridge must know whether a request
// had left the process when the connection went away: never sent is "nothing
// was done" (503), sent is "outcome unknown" (504). xmpp.js also leaves its
// requests waiting for their own timeout when the stream drops (XMPP-FACTS).
// Stanzas queued in one turn of the event loop leave in one socket write.
import { randomBytes } from 'node:crypto';
import type { Client } from '@xmpp/client-core';
import type { Element } from '@xmpp/xml';
import { OutcomeUnknown, PrecedingBounced, RequestTimeout, SessionUnavailable, StanzaFailure } from '../contract/xmpp-failures.js';

const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

interface Pending {
  /** The address the request went to: only it may answer. */
  to: string | undefined;
  /** The <message/> sent in the same write just before, and its bounce once seen. */
  before?: { id: string; to: string | undefined; bounced?: string };
  /** The stanza was handed to the operating system. */
  sent: boolean;
  settle(outcome: { reply: Element } | { error: Error }): void;
}

export interface RequestOptions {
  /**
   * A <message/> written together with the IQ, just before it. The server
   * handles a session's stanzas in order, so its bounce, if any, arrives
   * before the IQ's answer: the request then rejects with PrecedingBounced.
   */
  before?: Element;
}

export interface IqChannelHooks {
  /** A request got no answer before its deadline. */
  onTimeout?: () => void;
}

export class IqChannel {
  readonly #entity: Client;
  readonly #hooks: IqChannelHooks;
  readonly #pending = new Map<string, Pending>();
  /** Pending requests by the id of the message sent before them. */
  readonly #byBefore = new Map<string, Pending>();
  /** Unguessable ids: another account must not be able to forge an answer. */
  readonly #prefix = randomBytes(9).toString('base64url');
  #counter = 0;
  #closedReason: string | undefined;
  /** Stanzas waiting for this turn's write, with what to tell their requests. */
  #outbox: { elements: Element[]; sent: () => void; failed: (error: unknown) => void }[] = [];
  #flushing: NodeJS.Immediate | undefined;
  readonly #onElement = (element: Element): void => this.#receive(element);

  constructor(entity: Client, hooks: IqChannelHooks = {}) {
    this.#entity = entity;
    this.#hooks = hooks;
    entity.on('element', this.#onElement);
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  /** Sends an IQ and resolves with the result stanza, or rejects with a ../contract/xmpp-failures.js error. */
  request(iq: Element, timeoutMs: number, { before }: RequestOptions = {}): Promise<Element> {
    if (this.#closedReason !== undefined) {
      return Promise.reject(new SessionUnavailable(this.#closedReason));
    }
    this.#counter += 1;
    const id = `${this.#prefix}${this.#counter.toString(36)}`;
    iq.attrs.id = id;
    if (before) before.attrs.id = `${id}m`;
    return new Promise<Element>((resolve, reject) => {
      const pending: Pending = {
        to: iq.attrs.to as string | undefined,
        before: before && { id: `${id}m`, to: before.attrs.to as string | undefined },
        sent: false,
        settle: (outcome) => {
          if (this.#pending.get(id) !== pending) return;
          this.#pending.delete(id);
          if (pending.before) this.#byBefore.delete(pending.before.id);
          clearTimeout(timer);
          if ('reply' in outcome) resolve(outcome.reply);
          else reject(outcome.error);
        },
      };
      if (pending.before) this.#byBefore.set(pending.before.id, pending);
      const timer = setTimeout(() => {
        pending.settle({ error: new RequestTimeout(timeoutMs) });
        this.#hooks.onTimeout?.();
      }, timeoutMs);
      this.#pending.set(id, pending);
      const notSent = (error: unknown) =>
        pending.settle({
          error: new SessionUnavailable(`the XMPP connection failed: ${error instanceof Error ? error.message : String(error)}`),
        });
      // Together: the order on the wire is the order the server handles them in.
      this.#write(before ? [before, iq] : [iq], () => (pending.sent = true), notSent);
    });
  }

  /** Sends a stanza that expects no answer (e.g. a reply to the server), in this turn's write. */
  post(element: Element): void {
    if (this.#closedReason !== undefined) return;
    this.#write([element], () => undefined, () => undefined);
  }

  #write(elements: Element[], sent: () => void, failed: (error: unknown) => void): void {
    this.#outbox.push({ elements, sent, failed });
    this.#flushing ??= setImmediate(() => this.#flush());
  }

  /** One socket write for every stanza queued since the last one. */
  #flush(): void {
    this.#flushing = undefined;
    const batch = this.#outbox;
    this.#outbox = [];
    if (batch.length === 0) return;
    const failed = (error: unknown) => {
      for (const entry of batch) entry.failed(error);
    };
    // A socket the peer already closed would still take the write, and the
    // requests would read as sent (504) although nothing can reach the server.
    const socket = this.#entity.socket as { writable?: boolean; readableEnded?: boolean } | null;
    if (!socket || socket.writable === false || socket.readableEnded === true) {
      failed(new Error('the connection to the XMPP server is closed'));
      return;
    }
    try {
      this.#entity.sendMany(batch.flatMap((entry) => entry.elements)).then(() => {
        for (const entry of batch) entry.sent();
      }, failed);
    } catch (error) {
      failed(error);
    }
  }

  /**
   * Fails every request in flight and refuses new ones: those already sent
   * with OutcomeUnknown, the others with SessionUnavailable.
   */
  close(reason: string): void {
    this.#closedReason ??= reason;
    this.#entity.off('element', this.#onElement);
    // Not written yet: never will be.
    clearImmediate(this.#flushing);
    this.#flushing = undefined;
    this.#outbox = [];
    for (const pending of [...this.#pending.values()]) {
      pending.settle({ error: pending.sent ? new OutcomeUnknown(reason) : new SessionUnavailable(reason) });
    }
  }

  #receive(element: Element): void {
    if (element.name === 'message') {
      this.#bounce(element);
      return;
    }
    if (element.name !== 'iq') return;
    const { type, id, from } = element.attrs as Record<string, string | undefined>;
    if ((type !== 'result' && type !== 'error') || id === undefined) return;
    const pending = this.#pending.get(id);
    if (pending === undefined || !this.#answersFrom(pending.to, from)) return;
    const bounced = pending.before?.bounced;
    if (bounced !== undefined) pending.settle({ error: new PrecedingBounced(bounced) });
    else pending.settle(type === 'result' ? { reply: element } : { error: stanzaFailure(element) });
  }

  /** Notes a bounce of a message sent before a pending request. */
  #bounce(message: Element): void {
    const { type, id, from } = message.attrs as Record<string, string | undefined>;
    if (type !== 'error' || id === undefined) return;
    const before = this.#byBefore.get(id)?.before;
    if (before === undefined || from !== before.to) return;
    before.bounced = stanzaFailure(message).condition;
  }

  /** RFC 6120 §8.1.2.1: the answer comes from the address asked, or from the server for the own account. */
  #answersFrom(to: string | undefined, from: string | undefined): boolean {
    if (from === to) return true;
    if (to !== undefined) return false;
    const own = this.#entity.jid;
    return from === own?.bare().toString() || from === own?.domain;
  }
}

function stanzaFailure(reply: Element): StanzaFailure {
  const error = reply.getChild('error');
  const condition = error?.children.find(
    (child): child is Element => typeof child !== 'string' && child.attrs.xmlns === NS_STANZAS && child.name !== 'text',
  );
  return new StanzaFailure(
    condition?.name ?? 'undefined-condition',
    error?.getChildText('text', NS_STANZAS) ?? '',
    error?.attrs.type as string | undefined,
  );
}
