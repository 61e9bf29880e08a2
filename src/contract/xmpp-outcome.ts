// How XMPP failures become contract reasons: the one place for it. Each
// operation names the conditions that mean something particular for it; a
// bare <item-not-found/> has no generic meaning, since ejabberd's
// mod_configure answers it for any crash (XMPP-FACTS), so only an operation
// that has ruled out every other cause may read it as "no such account".
// Ad-hoc commands that complete with an error note (Prosody's way of
// failing) or answer a form where a completion was expected are failures
// too, read here by what the note says: never a success.
import {
  CommandFailed,
  CommandNoteFailure,
  CommandNotCompleted,
  LoginRefused,
  OutcomeUnknown,
  Overloaded,
  RequestTimeout,
  SessionUnavailable,
  StanzaFailure,
  UnexpectedAnswer,
} from './xmpp-failures.js';
import { Refusal, type Reason } from './refusal.js';

/**
 * By stanza error condition ('conflict', ...); by what an error note means
 * ('note:exists', 'note:not_exists', 'note:not_done', 'note:invalid',
 * 'note:wrong_host', 'note:other'); or 'form-returned' for a command that
 * answered its form instead of completing.
 */
export type Explanations = Partial<Record<string, [Reason, string]>>;

/**
 * What a command's failure note means, by its text. Prosody 0.12's notes are
 * fixed English texts (mod_admin_adhoc); the patterns stay loose enough for
 * other servers' wording. The first match wins.
 */
const NOTE_MEANINGS: [RegExp, string][] = [
  [/already exists/i, 'exists'],
  [/does not exist|no such (user|account)|not registered|user not found/i, 'not_exists'],
  [/could not be (deleted|disconnected)/i, 'not_done'],
  [/but command was sent to/i, 'wrong_host'],
  [/invalid data|mismatch|empty username|required|invalid/i, 'invalid'],
];

/** What a failure note means: one of the note:* explanation keys. */
export function noteMeaning(text: string): string {
  return `note:${NOTE_MEANINGS.find(([pattern]) => pattern.test(text))?.[1] ?? 'other'}`;
}

/** Failure notes with a meaning of their own on every operation (an operation may say more). */
const GENERIC_NOTES: Explanations = {
  'note:exists': ['exists', 'the XMPP server says it already exists'],
  'note:not_exists': ['not_exists', 'the XMPP server says the account does not exist'],
  'note:not_done': ['not_exists', 'the XMPP server could not act on the account (it does not exist?)'],
  'note:wrong_host': ['bad_request', 'the XMPP server says the account is not on the host the command was sent to'],
  'note:invalid': ['bad_request', 'the XMPP server refused the submitted data'],
  'form-returned': ['upstream_error', 'the XMPP server answered with a form to fill instead of completing the command'],
};

/**
 * A failure a command reported in its result, by its HTTP-like code
 * (mod_http_api's, relayed by ejabberd's mod_adhoc_api). ejabberd answers
 * 400 for some "already exists" cases, so the text decides those. The
 * server's text is the detail, whatever the reason (CONTRACT: command
 * failures carry it); it never holds a submitted secret (masked by the reader).
 */
function commandFailure({ code, text }: CommandFailed): Refusal {
  const reason: Reason =
    code === 409 || (code === 400 && /already exists/i.test(text))
      ? 'exists'
      : code === 404
        ? 'not_exists'
        : code === 401 || code === 403
          ? 'not_allowed'
          : code !== undefined && code >= 400 && code < 500
            ? 'bad_request'
            : 'upstream_error';
  return new Refusal(reason, `the XMPP server reported: ${text}`, {
    keepDetail: true,
    ...(reason === 'upstream_error' ? { errorName: 'command_failed' } : {}),
  });
}

/** How long a caller is asked to wait after the XMPP server throttled a request. */
const THROTTLED_RETRY_SECONDS = 60;

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

/**
 * SASL conditions other than a wrong password (RFC 6120 §6.5). Only
 * not-authorized means "wrong user name or password"; the others are not the
 * caller's guess and never count as one.
 */
const LOGIN_CONDITIONS: Explanations = {
  'account-disabled': ['not_allowed', 'the XMPP server has disabled this account'],
  'credentials-expired': ['not_allowed', "the XMPP server says this account's password has expired"],
  'temporary-auth-failure': ['service_unavailable', 'the XMPP server could not check the password right now; try again'],
  'encryption-required': ['service_unavailable', 'the XMPP server requires an encrypted connection for this login (see xmpp.tls)'],
  'mechanism-too-weak': ['service_unavailable', 'the XMPP server refuses the SASL mechanism the bridge offered'],
  'invalid-mechanism': ['service_unavailable', 'the XMPP server refuses the SASL mechanism the bridge offered'],
};

/** A login refused because the user name or password is wrong: the only failure that counts against limits. */
export function isWrongPassword(error: unknown): boolean {
  return error instanceof LoginRefused && error.condition === 'not-authorized';
}

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
  if (error instanceof CommandNoteFailure) {
    const meaning = noteMeaning(error.note);
    const known = explanations[meaning] ?? GENERIC_NOTES[meaning];
    if (known) return new Refusal(known[0], known[1]);
    // The note is the server's own text (never a password): the operator needs it.
    return new Refusal('upstream_error', `the XMPP server reported a failure: ${error.note.slice(0, 200)}`, { errorName: 'command_failed' });
  }
  if (error instanceof CommandFailed) return commandFailure(error);
  if (error instanceof CommandNotCompleted) {
    const known = explanations['form-returned'] ?? GENERIC_NOTES['form-returned'];
    if (error.status === 'executing' && known) return new Refusal(known[0], known[1]);
    return new Refusal('upstream_error', error.message);
  }
  if (error instanceof StanzaFailure) {
    const known = explanations[error.condition] ?? GENERIC[error.condition];
    if (known) {
      return new Refusal(known[0], known[1], known[0] === 'too_many_requests' ? { retryAfterSeconds: THROTTLED_RETRY_SECONDS } : {});
    }
    return new Refusal('upstream_error', `the XMPP server answered ${error.condition}`, {
      errorName: error.condition.replace(/-/g, '_'),
    });
  }
  if (error instanceof LoginRefused) {
    const known = LOGIN_CONDITIONS[error.condition];
    if (known) return new Refusal(known[0], known[1]);
    return isWrongPassword(error) ? loginRefused : new Refusal('upstream_error', `the XMPP server refused the login (${error.condition})`);
  }
  // 504: the request was sent; 503: nothing was. Check (is_registered) before retrying after a 504.
  if (error instanceof RequestTimeout) return new Refusal('timeout', `${error.message}; the outcome is unknown`);
  if (error instanceof OutcomeUnknown) return new Refusal('timeout', error.message);
  if (error instanceof Overloaded) {
    return new Refusal('service_unavailable', error.message, { retryAfterSeconds: error.retryAfterSeconds });
  }
  if (error instanceof SessionUnavailable) return new Refusal('service_unavailable', error.message);
  if (error instanceof UnexpectedAnswer) return new Refusal('upstream_error', error.message);
  return error;
}
