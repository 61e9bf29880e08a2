// How the failures of ad-hoc commands become contract reasons. Like the
// mapping in ./accounts.ts, but a bare <item-not-found/> is NOT read as "no
// such account": ejabberd's mod_configure answers it for any crash (XMPP-FACTS),
// so only an operation that has ruled out every other cause may say so.
import { LoginRefused, RequestTimeout, SessionUnavailable, StanzaFailure } from '../xmpp/errors.js';
import { Refusal, type Reason } from './refusal.js';

export type Explanations = Partial<Record<string, [Reason, string]>>;

const GENERIC: Explanations = {
  forbidden: ['not_allowed', 'the XMPP server refused: access denied by its policy (is the bridge account an admin?)'],
  'not-allowed': ['not_allowed', 'the XMPP server does not allow this'],
  'resource-constraint': ['too_many_requests', 'the XMPP server is throttling requests'],
  'policy-violation': ['too_many_requests', 'the XMPP server refused by policy (rate limit)'],
  'service-unavailable': ['not_supported', 'the XMPP server does not offer this command (is its module enabled?)'],
  'feature-not-implemented': ['not_supported', 'the XMPP server does not implement this command'],
};

/** Runs an XMPP operation, turning its failures into Refusals. */
export async function attempt<T>(operation: () => Promise<T>, explanations: Explanations = {}): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw explainFailure(error, explanations);
  }
}

export function explainFailure(error: unknown, explanations: Explanations = {}): unknown {
  if (error instanceof Refusal) return error;
  if (error instanceof StanzaFailure) {
    const known = explanations[error.condition] ?? GENERIC[error.condition];
    if (known) return new Refusal(known[0], known[1]);
    return new Refusal('upstream_error', `the XMPP server answered ${error.condition}`, {
      errorName: error.condition.replace(/-/g, '_'),
    });
  }
  if (error instanceof LoginRefused) return new Refusal('unauthenticated', 'the XMPP server refused the login');
  if (error instanceof RequestTimeout) return new Refusal('timeout', `${error.message}; the outcome is unknown`);
  if (error instanceof SessionUnavailable) return new Refusal('service_unavailable', error.message);
  return error;
}
