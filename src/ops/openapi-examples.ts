// Examples for the OpenAPI document: what the API page pre-fills in its
// request editors and shows beside each answer. Answers are rendered by the
// bridge's own renderers, so the XML examples are byte for byte what a caller
// gets. No example carries a real key: key fields hold KEY_PLACEHOLDER, which
// the page swaps for the key its user typed into the Authorize dialog.
import type { Json } from '../contract/json.js';
import type { ErrorExample } from '../http/contract.js';
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
export function errorExamples(examples: Record<string, ErrorExample>): {
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

