// What the XMPP layer tells an observer (metrics, the access log) about each
// exchange: a short operation name and a bounded outcome. Neither ever
// carries request data: operation names come from element names, namespaces
// and ad-hoc command nodes, which the bridge itself chooses.
import type { Element } from '@xmpp/xml';
import { LoginRefused, OutcomeUnknown, Overloaded, RequestTimeout, SessionUnavailable, StanzaFailure } from '../contract/xmpp-failures.js';

export interface XmppObserver {
  /** One exchange ended: an IQ round trip, or a user login. */
  exchange(operation: string, outcome: string, seconds: number): void;
}

/** The stanza error conditions of RFC 6120 §8.3.3: the only ones used as outcomes. */
const CONDITIONS: ReadonlySet<string> = new Set([
  'bad-request', 'conflict', 'feature-not-implemented', 'forbidden', 'gone', 'internal-server-error',
  'item-not-found', 'jid-malformed', 'not-acceptable', 'not-allowed', 'not-authorized', 'policy-violation',
  'recipient-unavailable', 'redirect', 'registration-required', 'remote-server-not-found',
  'remote-server-timeout', 'resource-constraint', 'service-unavailable', 'subscription-required',
  'undefined-condition', 'unexpected-request',
]);

/** An ad-hoc node the bridge sends, e.g. http://jabber.org/protocol/admin#add-user. */
const PLAIN_NODE = /^[A-Za-z0-9#:/._-]{1,100}$/;

/**
 * Names an IQ by its payload: "query jabber:iq:register",
 * "command http://jabber.org/protocol/admin#get-user-lastlogin". Never text content.
 */
export function operationOf(iq: Element): string {
  const payload = iq.children.find((c): c is Element => typeof c !== 'string');
  if (!payload) return `iq ${String(iq.attrs.type)}`;
  const xmlns = typeof payload.attrs.xmlns === 'string' ? payload.attrs.xmlns : '';
  const node: unknown = payload.attrs.node;
  if (payload.name === 'command' && typeof node === 'string' && PLAIN_NODE.test(node)) {
    return `command ${node}`;
  }
  return `${payload.name} ${xmlns}`.trim();
}

/** ok, a stanza error condition, timeout, lost (sent, then cut off), busy, unavailable, refused (login), or error. */
export function outcomeOf(error: unknown): string {
  if (error instanceof StanzaFailure) return CONDITIONS.has(error.condition) ? error.condition : 'stanza-error';
  if (error instanceof RequestTimeout) return 'timeout';
  if (error instanceof OutcomeUnknown) return 'lost';
  if (error instanceof Overloaded) return 'busy';
  if (error instanceof SessionUnavailable) return 'unavailable';
  if (error instanceof LoginRefused) return 'refused';
  return 'error';
}

/** Runs `exchange`, reporting its operation, outcome and duration to `observer`. */
export async function observed<T>(
  observer: XmppObserver | undefined,
  operation: string,
  exchange: () => Promise<T>,
): Promise<T> {
  if (!observer) return exchange();
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    const result = await exchange();
    observer.exchange(operation, 'ok', seconds());
    return result;
  } catch (error) {
    observer.exchange(operation, outcomeOf(error), seconds());
    throw error;
  }
}
