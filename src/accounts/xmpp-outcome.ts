// How XMPP failures become contract reasons: the one place for it. Each
// operation names the conditions that mean something particular for it; a
// bare <item-not-found/> has no generic meaning, since ejabberd's
// mod_configure answers it for any crash (XMPP-FACTS), so only an operation
// that has ruled out every other cause may read it as "no such account".
import { LoginRefused, RequestTimeout, SessionUnavailable, StanzaFailure } from '../xmpp/errors.js';
import { Refusal, type Reason } from './refusal.js';

export type Explanations = Partial<Record<string, [Reason, string]>>;

const GENERIC: Explanations = {
  forbidden: ['not_allowed', 'the XMPP server refused: access denied by its policy (is the bridge account an admin?)'],
  'not-allowed': ['not_allowed', 'the XMPP server does not allow this'],
  'resource-constraint': ['too_many_requests', 'the XMPP server is throttling requests (registration_timeout?)'],
  'policy-violation': ['too_many_requests', 'the XMPP server refused by policy (rate limit)'],
  'service-unavailable': ['not_supported', 'the XMPP server does not offer this (is its module enabled?)'],
  'feature-not-implemented': ['not_supported', 'the XMPP server does not implement this'],
  'remote-server-not-found': ['not_allowed', 'the XMPP server does not serve this host'],
};

/** A refused login, unless the operation says what it means there (e.g. a wrong old password). */
const LOGIN_REFUSED = new Refusal('unauthenticated', 'the XMPP server refused the login');

/** Runs an XMPP operation, turning its failures into Refusals. */
export async function attempt<T>(
  operation: () => Promise<T>,
  explanations: Explanations = {},
  loginRefused: Refusal = LOGIN_REFUSED,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw explainFailure(error, explanations, loginRefused);
  }
}

export function explainFailure(
  error: unknown,
  explanations: Explanations = {},
  loginRefused: Refusal = LOGIN_REFUSED,
): unknown {
  if (error instanceof Refusal) return error;
  if (error instanceof StanzaFailure) {
    const known = explanations[error.condition] ?? GENERIC[error.condition];
    if (known) return new Refusal(known[0], known[1]);
    return new Refusal('upstream_error', `the XMPP server answered ${error.condition}`, {
      errorName: error.condition.replace(/-/g, '_'),
    });
  }
  if (error instanceof LoginRefused) return loginRefused;
  if (error instanceof RequestTimeout) return new Refusal('timeout', `${error.message}; the outcome is unknown`);
  if (error instanceof SessionUnavailable) return new Refusal('service_unavailable', error.message);
  return error;
}
