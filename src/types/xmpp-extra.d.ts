// xmpp.js's SCRAM-SHA-1 mechanism (CommonJS, untyped); used only by bench/scram.ts.
declare module 'sasl-scram-sha-1' {
  interface ScramSha1Credentials {
    username?: string;
    password?: string;
    authzid?: string;
  }
  class ScramSha1Mechanism {
    constructor(options?: { genNonce?: () => string });
    readonly name: string;
    readonly clientFirst: boolean;
    response(credentials: ScramSha1Credentials): string | Promise<string>;
    challenge(challenge: string): this;
  }
  export = ScramSha1Mechanism;
}
