// Why a request did not succeed, in the contract's own words. Produced by
// every layer above XMPP (this folder imports nothing of theirs); the HTTP
// edge turns a reason into a status code (src/http/contract.ts) and nothing else.

export type Reason =
  | 'bad_request'
  /** The body is over the configured limit: bad_request with 413. */
  | 'too_large'
  /** A known path asked with another method: bad_request with 405. */
  | 'method_not_allowed'
  /** The body is not JSON: bad_request with 415. */
  | 'unsupported_media_type'
  | 'missing_parameters'
  | 'stringprep'
  /** A missing or wrong key, or bad HTTP credentials: not_allowed with 401. */
  | 'unauthenticated'
  /** A wrong account password, a host or command not allowed, a server refusal: not_allowed with 403. */
  | 'not_allowed'
  | 'not_found'
  | 'not_exists'
  | 'exists'
  | 'too_many_requests'
  | 'not_supported'
  | 'service_unavailable'
  | 'timeout'
  | 'internal_error'
  /** An error the XMPP server gave that the contract has no name for. */
  | 'upstream_error';

export class Refusal extends Error {
  constructor(
    readonly reason: Reason,
    /** A sentence a person can act on. Never contains a password or key. */
    readonly detail: string,
    readonly extra: {
      retryAfterSeconds?: number;
      errorName?: string;
      basicRealm?: string;
      /** Carry the detail even where mod_restful's body is bare (a command's own failure text). */
      keepDetail?: boolean;
    } = {},
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'Refusal';
  }
}
