// Fields beyond what the route specs decode (./spec.ts): an optional text,
// and the account a user name and host name (nodeprep / nameprep,
// configured hosts). No message ever repeats a field's value.
import type { Account } from '../contract/account.js';
import { Refusal } from '../contract/refusal.js';
import { nameprep, nodeprep } from '../xmpp/stringprep.js';
import { SendableText } from './spec.js';

/** An optional string field: undefined when absent or empty. */
export function optionalString(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Refusal('bad_request', `${name} must be a string`);
  assertSendable(name, value);
  return value;
}

/** Refuses text that cannot travel safely in XML or is too long (../spec.ts SendableText), naming the field. */
export function assertSendable(name: string, value: string): void {
  const decoded = SendableText.decode(value);
  if (decoded._tag === 'Left') throw new Refusal('bad_request', `${name} ${decoded.left[0]?.message ?? 'is not valid'}`);
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

