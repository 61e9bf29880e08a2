// Types for the xmpp.js TLS internals that ./src/xmpp/tls.ts builds on.
declare module '@xmpp/tls/lib/Connection.js' {
  /** An @xmpp/connection transport (typed here only as far as tls.ts needs). */
  export default class ConnectionTLS {
    constructor(...args: unknown[]);
    socketParameters(service: string): Record<string, unknown> | undefined;
  }
}
declare module '@xmpp/starttls/starttls.js' {
  export function canUpgrade(socket: unknown): boolean;
  export function upgrade(socket: unknown, options: Record<string, unknown>): Promise<unknown>;
}
