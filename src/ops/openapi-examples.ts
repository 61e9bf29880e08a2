// Examples for the OpenAPI document: what the API page pre-fills in its
// request editors and shows beside each answer. Answers are rendered by the
// bridge's own renderers, so the XML examples are byte for byte what a caller
// gets. No example carries a real key: key fields hold KEY_PLACEHOLDER, which
// the page swaps for the key its user typed into the Authorize dialog.
import type { Json } from '../contract/json.js';
import { renderBody, renderError } from '../http/render.js';

// Declared with the route specs, which show them in their examples.
export { EXAMPLE_HOST, KEY_PLACEHOLDER } from '../api/spec.js';

export interface Example {
  summary: string;
  value: Json;
}

type MediaExamples = Record<string, { summary: string; value: unknown }>;

/** The same answers as JSON and as mod_restful's XML. */
export function answerExamples(examples: Record<string, Example>): { json: MediaExamples; xml: MediaExamples } {
  const json: MediaExamples = {};
  const xml: MediaExamples = {};
  for (const [name, { summary, value }] of Object.entries(examples)) {
    json[name] = { summary, value };
    xml[name] = { summary, value: renderBody(value, 'xml') };
  }
  return { json, xml };
}

/** Error answers as JSON and XML (the XML carries only the name, as mod_restful's did). */
export function errorExamples(examples: Record<string, { summary: string; error: string; detail?: string }>): {
  json: MediaExamples;
  xml: MediaExamples;
} {
  const json: MediaExamples = {};
  const xml: MediaExamples = {};
  for (const [name, { summary, error, detail }] of Object.entries(examples)) {
    json[name] = { summary, value: JSON.parse(renderError(error, detail, 'json')) as unknown };
    xml[name] = { summary, value: renderError(error, detail, 'xml') };
  }
  return { json, xml };
}

/** The command an admin mount's examples show when it allows none the table knows. */
export const DEFAULT_ADMIN_EXAMPLE = 'registered_users';

/** One example per error name an error status can carry. */
export const ERROR_EXAMPLES: Record<string, Record<string, { summary: string; error: string; detail?: string }>> = {
  '400': {
    bad_request: { summary: 'Malformed input', error: 'bad_request', detail: 'the body is not valid JSON' },
    missing_parameters: { summary: 'A required field is missing or empty', error: 'missing_parameters', detail: 'missing or empty: username' },
    stringprep: { summary: 'A name fails nodeprep/nameprep', error: 'stringprep', detail: 'username is not a valid XMPP user name (nodeprep)' },
  },
  '401': { not_allowed: { summary: 'Missing or wrong key (or HTTP Basic credentials)', error: 'not_allowed' } },
  '403': { not_allowed: { summary: 'Not allowed', error: 'not_allowed' } },
  '404': { not_exists: { summary: 'No such account', error: 'not_exists' } },
  '409': { exists: { summary: 'The account already exists', error: 'exists' } },
  '413': { bad_request: { summary: 'Body too large', error: 'bad_request', detail: 'the body is larger than 65536 bytes' } },
  '415': {
    bad_request: { summary: 'Not JSON', error: 'bad_request', detail: 'send the body as JSON with Content-Type: application/json' },
  },
  '429': {
    too_many_requests: { summary: 'Too many wrong passwords', error: 'too_many_requests', detail: 'too many wrong passwords for this account' },
  },
  '500': {
    internal_error: {
      summary: 'Unexpected error',
      error: 'internal_error',
      detail: 'unexpected error; logged with request id 5b0f3c52-7d0e-4c1b-9a55-2f1f0f4f3a10',
    },
  },
  '501': {
    not_supported: { summary: 'Not offered by the server', error: 'not_supported', detail: 'the XMPP server does not offer this command; enable mod_configure (and mod_adhoc)' },
  },
  '502': {
    internal_server_error: { summary: 'An XMPP error without a contract name', error: 'internal_server_error', detail: 'the XMPP server answered internal-server-error' },
    command_failed: { summary: 'A completed command that reported a failure', error: 'command_failed', detail: 'the XMPP server reported a failure: Invalid data' },
  },
  '503': {
    service_unavailable: { summary: 'Nothing was sent', error: 'service_unavailable', detail: 'no XMPP session to the server right now' },
  },
  '504': {
    timeout: { summary: 'Sent, no answer in time: outcome unknown', error: 'timeout', detail: 'the XMPP server did not answer within 10000 ms; the outcome is unknown' },
  },
};
