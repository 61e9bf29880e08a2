// Short-lived sessions logged in as a user: the only way XMPP lets the
// bridge check a user's password, change it as that user, or write that
// user's private storage. Each one opens, does its work, and closes.
import type { Element } from '@xmpp/xml';
import type { Credentials } from './connect.js';
import type { Connector } from './connector.js';
import { observed, operationOf, type XmppObserver } from './observe.js';

export interface UserSession {
  request(iq: Element): Promise<Element>;
}

export interface UserSessionExtras {
  /** Told about the login ('user login') and each IQ. */
  observer?: XmppObserver;
  /** Deadline of each IQ on the session. */
  requestTimeoutMs: number;
}

/**
 * Logs in as `credentials` through `connector`, runs `work`, then closes the
 * stream without waiting for the server's closing tag (that costs ~100 ms,
 * see XMPP-FACTS). Rejects with LoginRefused when the server refuses the
 * credentials; the connector's closeAll() (shutdown) ends it at once.
 */
export async function withUserSession<T>(
  connector: Connector,
  credentials: Credentials,
  work: (session: UserSession) => Promise<T>,
  { observer, requestTimeoutMs }: UserSessionExtras,
): Promise<T> {
  const link = await observed(observer, 'user login', () => connector.open(credentials));
  try {
    return await work({
      request: (iq) => observed(observer, operationOf(iq), () => link.request(iq, requestTimeoutMs)),
    });
  } finally {
    void link.close('the user session has ended');
  }
}
