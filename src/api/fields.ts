// Turning a request's loose fields into validated values: types, presence,
// text that is safe to put in XML, and account names (nodeprep / nameprep,
// configured hosts). No message ever repeats a field's value.
import type { Account } from '../contract/account.js';
import { Refusal } from '../contract/refusal.js';
import { nameprep, nodeprep, unsafeTextReason } from '../xmpp/stringprep.js';

/** Longest text field accepted, in UTF-8 bytes (the XMPP limit for JID parts). */
export const MAX_FIELD_BYTES = 1023;

/**
 * Reads required string fields in order. A field of the wrong type is a
 * bad_request; a missing or empty one is missing_parameters; text that
 * cannot travel safely in XML is a bad_request.
 */
export function requireStrings<const K extends string>(
  fields: Record<string, unknown>,
  names: readonly K[],
): Record<K, string> {
  const wrongType = names.filter((n) => fields[n] !== undefined && fields[n] !== null && typeof fields[n] !== 'string');
  if (wrongType.length > 0) {
    throw new Refusal('bad_request', `${list(wrongType)} must be ${wrongType.length > 1 ? 'strings' : 'a string'}`);
  }
  const missing = names.filter((n) => typeof fields[n] !== 'string' || fields[n] === '');
  if (missing.length > 0) throw new Refusal('missing_parameters', `missing or empty: ${list(missing)}`);
  const values = Object.fromEntries(names.map((n) => [n, fields[n] as string])) as Record<K, string>;
  for (const name of names) assertSendable(name, values[name]);
  return values;
}

/** An optional string field: undefined when absent or empty. */
export function optionalString(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Refusal('bad_request', `${name} must be a string`);
  assertSendable(name, value);
  return value;
}

export function assertSendable(name: string, value: string): void {
  const unsafe = unsafeTextReason(value);
  if (unsafe !== undefined) throw new Refusal('bad_request', `${name} ${unsafe}`);
  if (Buffer.byteLength(value, 'utf8') > MAX_FIELD_BYTES) {
    throw new Refusal('bad_request', `${name} is longer than ${MAX_FIELD_BYTES} bytes`);
  }
}

/** The host nameprep'd, if it is one this bridge serves. */
export function servedHost(host: string, hosts: readonly string[]): string {
  const prepared = nameprep(host);
  if (prepared === undefined) throw new Refusal('stringprep', 'host is not a valid domain name');
  if (!hosts.includes(prepared)) throw new Refusal('not_allowed', `host ${prepared} is not served by this bridge`);
  return prepared;
}

/** Normalises username and host, and checks the host is one this bridge serves. */
export function toAccount(username: string, host: string, hosts: readonly string[]): Account {
  const preparedHost = servedHost(host, hosts);
  const preparedName = nodeprep(username);
  if (preparedName === undefined) {
    throw new Refusal('stringprep', 'username is not a valid XMPP user name (nodeprep)');
  }
  return { username: preparedName, host: preparedHost };
}

const list = (names: readonly string[]): string => names.join(', ');
