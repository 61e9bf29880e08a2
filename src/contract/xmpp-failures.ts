// What can go wrong with an XMPP request, as the XMPP layer reports it and
// ./xmpp-outcome.ts reads it: the one vocabulary of XMPP failures, kept here
// so that contract/ imports nothing of ours while the XMPP layer (which
// throws these) and the outcome mapping (which turns them into contract
// reasons) share it. Nothing here knows HTTP or builds a stanza.

/** The server answered the IQ with a stanza error (RFC 6120 §8.3). */
export class StanzaFailure extends Error {
  constructor(
    readonly condition: string,
    readonly text: string,
    readonly errorType: string | undefined,
  ) {
    super(text ? `${condition}: ${text}` : condition);
    this.name = 'StanzaFailure';
  }
}

/** No usable session: never connected, reconnecting, or dropped mid-request. */
export class SessionUnavailable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SessionUnavailable';
  }
}

/** The server did not answer before the deadline; the outcome is unknown. */
export class RequestTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no answer from the XMPP server within ${ms} ms`);
    this.name = 'RequestTimeout';
  }
}

/** Login refused by the server (SASL failure such as not-authorized). */
export class LoginRefused extends Error {
  constructor(readonly condition: string) {
    super(`login refused: ${condition}`);
    this.name = 'LoginRefused';
  }
}

/**
 * The request was sent, then the connection was lost before an answer: the
 * server may or may not have carried it out (a 504, never a 503).
 */
export class OutcomeUnknown extends Error {
  constructor(reason: string) {
    super(`${reason}; the request had been sent, so its outcome is unknown`);
    this.name = 'OutcomeUnknown';
  }
}

/** Too many XMPP requests in flight and none freed up in time; nothing was sent. */
export class Overloaded extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    detail: string,
  ) {
    super(detail);
    this.name = 'Overloaded';
  }
}

/** The server answered, but not in a shape the bridge can read; nothing is assumed from it. */
export class UnexpectedAnswer extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'UnexpectedAnswer';
  }
}

/**
 * The server answered the request, but first returned the stanza sent just
 * before it as undeliverable (RFC 6120 §8.3 error on a <message/>).
 */
export class PrecedingBounced extends Error {
  constructor(readonly condition: string) {
    super(`the stanza sent before the request bounced: ${condition}`);
    this.name = 'PrecedingBounced';
  }
}

/**
 * The command ended, but said it failed: a <note type='error'/> (Prosody
 * reports every failure this way, with status='completed'), or an
 * operation's own reading of an info note ("could not be deleted").
 */
export class CommandNoteFailure extends Error {
  constructor(
    readonly node: string,
    readonly note: string,
  ) {
    super(`the XMPP server answered ${node} with the note: ${note}`);
    this.name = 'CommandNoteFailure';
  }
}

/**
 * The command completed, but its result says it failed: ejabberd's
 * mod_adhoc_api reports a failure as a result field (an `error` field with
 * an HTTP-like code, or a rescode of 1), not as an IQ error. `code` is that
 * code where the server gave one.
 */
export class CommandFailed extends Error {
  constructor(
    readonly node: string,
    /** The server's own text, with any secret argument already masked. */
    readonly text: string,
    readonly code: number | undefined,
  ) {
    super(`the XMPP server answered ${node}: ${text}`);
    this.name = 'CommandFailed';
  }
}

/** A completion was expected, but the command answered with a form to fill (status executing) or another status. */
export class CommandNotCompleted extends Error {
  constructor(
    readonly node: string,
    readonly status: string,
  ) {
    super(`the XMPP server did not complete ${node} (status ${status}${status === 'executing' ? ': it answered with its form' : ''})`);
    this.name = 'CommandNotCompleted';
  }
}
