// Encodes a response value as JSON or as mod_restful's XML:
// "ok" -> <ok/>, true/false -> <true/>/<false/>, string or number ->
// <value>…</value>, object -> <struct><entry key="k">v</entry></struct>,
// list -> <list>…</list>, error -> <error>reason</error>.
import type { Json } from '../contract/json.js';

export type Format = 'json' | 'xml';

export function renderBody(value: Json, format: Format): string {
  return format === 'json' ? JSON.stringify(value) : `<?xml version="1.0" encoding="UTF-8"?>${toXml(value)}`;
}

export function renderError(error: string, detail: string | undefined, format: Format): string {
  if (format === 'json') return JSON.stringify(detail === undefined ? { error } : { error, detail });
  return `<?xml version="1.0" encoding="UTF-8"?><error>${escapeXml(error)}</error>`;
}

export const contentTypeOf = (format: Format): string =>
  format === 'json' ? 'application/json; charset=utf-8' : 'application/xml; charset=utf-8';

function toXml(value: Json): string {
  if (value === 'ok') return '<ok/>';
  if (value === true) return '<true/>';
  if (value === false) return '<false/>';
  if (value === null) return '<null/>';
  if (typeof value === 'string' || typeof value === 'number') {
    return `<value>${escapeXml(String(value))}</value>`;
  }
  if (Array.isArray(value)) return `<list>${value.map(toXml).join('')}</list>`;
  const entries = Object.entries(value).map(
    ([key, v]) => `<entry key="${escapeXml(key)}">${entryContent(v)}</entry>`,
  );
  return `<struct>${entries.join('')}</struct>`;
}

/** Scalars sit inside an entry as text; structures nest as elements. */
function entryContent(value: Json): string {
  if (typeof value === 'string' || typeof value === 'number') return escapeXml(String(value));
  return toXml(value);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
