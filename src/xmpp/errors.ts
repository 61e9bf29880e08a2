// What can go wrong with an XMPP request, as the XMPP layer reports it. The
// accounts layer turns these into contract reasons; nothing here knows HTTP.

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
