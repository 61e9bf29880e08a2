// The one place where a contract reason becomes an HTTP status and body
// (../shared/docs/CONTRACT.md, "Status codes"), and where each error status
// is described, with examples, for the API document (../ops/openapi.ts).
import type { Refusal, Reason } from '../contract/refusal.js';

/** Status, and the body's error name where it differs from the reason. */
const MAPPING: Record<Reason, [number, string?]> = {
  bad_request: [400],
  missing_parameters: [400],
  stringprep: [400],
  unauthenticated: [401, 'not_allowed'],
  not_allowed: [403],
  not_found: [404],
  not_exists: [404],
  exists: [409],
  method_not_allowed: [405, 'bad_request'],
  too_large: [413, 'bad_request'],
  unsupported_media_type: [415, 'bad_request'],
  too_many_requests: [429],
  internal_error: [500],
  not_supported: [501],
  upstream_error: [502],
  service_unavailable: [503],
  timeout: [504],
};

/**
 * mod_restful's own answers keep its exact body; the reasons it never had, and
 * input errors (where the contract asks for one), carry a `detail`.
 */
const BARE: ReadonlySet<Reason> = new Set(['unauthenticated', 'not_allowed', 'not_found', 'not_exists', 'exists']);

/** Reasons the router answers itself (no such path or method), never an operation. */
const ROUTING: ReadonlySet<Reason> = new Set(['not_found', 'method_not_allowed']);

/**
 * The error names an operation's answer with `status` can carry, from the
 * mapping above (the API document's enums); undefined when the name is the
 * XMPP server's own (upstream_error names the server's condition).
 */
export function errorNamesOf(status: number): string[] | undefined {
  const reasons = (Object.keys(MAPPING) as Reason[]).filter((reason) => MAPPING[reason][0] === status && !ROUTING.has(reason));
  if (reasons.includes('upstream_error')) return undefined;
  return [...new Set(reasons.map((reason) => MAPPING[reason][1] ?? reason))];
}

export interface ContractResponse {
  status: number;
  body: { error: string; detail?: string };
  headers: Record<string, string>;
}

export function responseFor(refusal: Refusal): ContractResponse {
  const { reason, detail, extra } = refusal;
  const [status, name] = MAPPING[reason];
  const error = extra.errorName ?? name ?? reason;
  const headers: Record<string, string> = {};
  if (extra.retryAfterSeconds !== undefined) headers['Retry-After'] = String(extra.retryAfterSeconds);
  if (extra.basicRealm !== undefined) headers['WWW-Authenticate'] = `Basic realm="${extra.basicRealm}", charset="UTF-8"`;
  return {
    status,
    body: BARE.has(reason) && extra.keepDetail !== true ? { error } : { error, detail },
    headers,
  };
}

/** An error answer the API document shows: its name, and its detail where it has one. */
export interface ErrorExample {
  summary: string;
  error: string;
  detail?: string;
}

/** What an error status means, for the API document; beside the mapping so that a reason's status and its description change together. */
export interface ErrorStatus {
  description: string;
  /** What its `detail` holds ('' where there is nothing to say of it). */
  detail: string;
  headers?: Record<string, unknown>;
  /** One example per error name the status can carry (errorNamesOf). */
  examples: Record<string, ErrorExample>;
}

/** Every status an operation can answer an error with. */
export const ERROR_STATUSES: Readonly<Record<number, ErrorStatus>> = {
  400: {
    description:
      'Bad input: malformed JSON, a field of the wrong type, a missing or empty field (missing_parameters), a name that fails nodeprep/nameprep (stringprep), or ?format other than json/xml',
    detail: 'detail says what is wrong',
    examples: {
      bad_request: { summary: 'Malformed input', error: 'bad_request', detail: 'the body is not valid JSON' },
      missing_parameters: { summary: 'A required field is missing or empty', error: 'missing_parameters', detail: 'missing or empty: username' },
      stringprep: { summary: 'A name fails nodeprep/nameprep', error: 'stringprep', detail: 'username is not a valid XMPP user name (nodeprep)' },
    },
  },
  401: {
    description: 'The key (or the HTTP Basic credentials) is missing or wrong',
    detail: 'no detail',
    headers: { 'WWW-Authenticate': { description: 'Sent when HTTP Basic credentials are expected', schema: { type: 'string' } } },
    examples: { not_allowed: { summary: 'Missing or wrong key (or HTTP Basic credentials)', error: 'not_allowed' } },
  },
  403: {
    description: 'Not allowed: a host the bridge does not serve, a wrong account password, a command not allowed, or a refusal by the XMPP server',
    detail: 'no detail',
    examples: { not_allowed: { summary: 'Not allowed', error: 'not_allowed' } },
  },
  404: {
    description: 'No such account (not_exists), or no such command',
    detail: 'no detail',
    examples: { not_exists: { summary: 'No such account', error: 'not_exists' } },
  },
  409: {
    description: 'The account already exists',
    detail: 'no detail',
    examples: { exists: { summary: 'The account already exists', error: 'exists' } },
  },
  413: {
    description: 'The body is larger than limits.body_bytes',
    detail: 'detail gives the limit',
    examples: { bad_request: { summary: 'Body too large', error: 'bad_request', detail: 'the body is larger than 65536 bytes' } },
  },
  415: {
    description: 'The body is not JSON (Content-Type must be application/json)',
    detail: '',
    examples: { bad_request: { summary: 'Not JSON', error: 'bad_request', detail: 'send the body as JSON with Content-Type: application/json' } },
  },
  429: {
    description: 'Too many requests: the XMPP server throttles, or the failed-login budget (limits.failed_logins) is spent',
    detail: '',
    headers: { 'Retry-After': { description: 'Seconds to wait, when known', schema: { type: 'integer' } } },
    examples: {
      too_many_requests: { summary: 'Too many wrong passwords', error: 'too_many_requests', detail: 'too many wrong passwords for this account' },
    },
  },
  500: {
    description: 'Unexpected error, logged with the request id',
    detail: '',
    examples: {
      internal_error: {
        summary: 'Unexpected error',
        error: 'internal_error',
        detail: 'unexpected error; logged with request id 5b0f3c52-7d0e-4c1b-9a55-2f1f0f4f3a10',
      },
    },
  },
  501: {
    description:
      'The XMPP server does not offer this operation: a module not enabled, or a server whose back end cannot do it (on Prosody: registered_users, registered_users_number, get_last, set_motd, delete_motd; see docs/servers.md)',
    detail: '',
    examples: {
      not_supported: {
        summary: 'Not offered by the server',
        error: 'not_supported',
        detail: 'the XMPP server does not offer this command; enable mod_configure (and mod_adhoc)',
      },
    },
  },
  502: {
    description:
      'The XMPP server answered with an error the contract has no name for (error is its condition, e.g. internal_server_error), or reported a failure in a completed command (command_failed, detail quotes its note)',
    detail: '',
    examples: {
      internal_server_error: {
        summary: 'An XMPP error without a contract name',
        error: 'internal_server_error',
        detail: 'the XMPP server answered internal-server-error',
      },
      command_failed: { summary: 'A completed command that reported a failure', error: 'command_failed', detail: 'the XMPP server reported a failure: Invalid data' },
    },
  },
  503: {
    description: 'Nothing was sent: no XMPP session to the server right now, or too many requests in flight (then Retry-After)',
    detail: 'detail says why',
    examples: { service_unavailable: { summary: 'Nothing was sent', error: 'service_unavailable', detail: 'no XMPP session to the server right now' } },
  },
  504: {
    description: 'Sent, but no answer in time or the connection was lost: the outcome is unknown (check, e.g. is_registered, before retrying)',
    detail: '',
    examples: {
      timeout: {
        summary: 'Sent, no answer in time: outcome unknown',
        error: 'timeout',
        detail: 'the XMPP server did not answer within 10000 ms; the outcome is unknown',
      },
    },
  },
};
