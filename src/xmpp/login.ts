// Short-lived sessions logged in as a user: the only way XMPP lets the
// bridge check a user's password, change it as that user, or write that
// user's private storage. Each one opens, does its work, and closes.
import { randomBytes } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import { createConnection, type ConnectionOptions } from './connect.js';
import { withDeadline } from './deadline.js';
import { IqChannel } from './iq-channel.js';
import { LoginRefused, RequestTimeout, SessionUnavailable } from './errors.js';
import { observed, operationOf, type XmppObserver } from './observe.js';
import { SaslFailure } from './sasl/negotiate.js';

export interface UserSession {
  request(iq: Element): Promise<Element>;
}

/** The SASL condition when `error` is a login refusal, else undefined. */
export function loginFailureCondition(error: unknown): string | undefined {
  return error instanceof SaslFailure ? error.condition : undefined;
}

export interface UserSessionExtras {
  /** Told about the login ('user login') and each IQ. */
  observer?: XmppObserver;
  /** Aborting ends the session at once: its requests fail as unavailable (shutdown). */
  signal?: AbortSignal;
}

/**
 * Logs in as `options.username`, runs `work`, then closes the stream without
 * waiting for the server's closing tag (that costs ~100 ms, see XMPP-FACTS).
 * Rejects with LoginRefused when the server refuses the credentials.
 */
export async function withUserSession<T>(
  options: Omit<ConnectionOptions, 'resource'>,
  work: (session: UserSession) => Promise<T>,
  { observer, signal }: UserSessionExtras = {},
): Promise<T> {
  if (signal?.aborted) throw new SessionUnavailable('the bridge is shutting down');
  const connection = createConnection({
    ...options,
    resource: `ejabberd-restful-${randomBytes(4).toString('hex')}`,
  });
  const { entity } = connection;
  entity.on('error', () => undefined); // failures surface through start() / requests
  const channel = new IqChannel(connection);
  entity.on('disconnect', () => channel.close('the user session was closed by the server'));
  let abort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    abort = () => {
      channel.close('the bridge is shutting down');
      reject(new SessionUnavailable('the bridge is shutting down'));
    };
  });
  aborted.catch(() => undefined);
  signal?.addEventListener('abort', abort as () => void, { once: true });
  try {
    await observed(observer, 'user login', () => login(Promise.race([entity.start(), aborted]), options.timeoutMs));
    return await work({
      request: (iq) => observed(observer, operationOf(iq), () => channel.request(iq, options.timeoutMs)),
    });
  } finally {
    signal?.removeEventListener('abort', abort as () => void);
    channel.close('the user session has ended');
    entity.stop().catch(() => undefined);
  }
}

/** Waits for the login to finish within `ms`, translating its failures. */
async function login(started: Promise<unknown>, ms: number): Promise<void> {
  try {
    await withDeadline(started, ms);
  } catch (error) {
    const refused = loginFailureCondition(error);
    if (refused !== undefined) throw new LoginRefused(refused);
    if (error instanceof RequestTimeout || error instanceof SessionUnavailable) throw error;
    throw new SessionUnavailable(`cannot log in to the XMPP server: ${(error as Error).message}`);
  }
}
