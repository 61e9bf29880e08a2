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
