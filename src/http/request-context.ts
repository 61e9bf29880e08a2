// Per-request context for the access log: the XMPP exchanges a request
// caused, gathered without threading anything through the API modules.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { XmppObserver } from '../xmpp/observe.js';

export interface XmppCall {
  /** e.g. "query jabber:iq:register", "user login". */
  operation: string;
  /** ok, a stanza error condition, timeout, unavailable, refused, error. */
  outcome: string;
  ms: number;
}

export const requestContext = new AsyncLocalStorage<{ xmpp: XmppCall[] }>();

/** Records each exchange in the current request's context (if any), then tells `next`. */
export function recordingObserver(next?: XmppObserver): XmppObserver {
  return {
    exchange(operation, outcome, seconds) {
      requestContext.getStore()?.xmpp.push({ operation, outcome, ms: Math.round(seconds * 1e6) / 1e3 });
      next?.exchange(operation, outcome, seconds);
    },
  };
}
