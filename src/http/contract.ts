// The one place where a contract reason becomes an HTTP status and body
// (../shared/docs/CONTRACT.md, "Status codes").
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
