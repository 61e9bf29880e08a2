// An account as every layer above XMPP names it, and how a user name and a
// host name become one (nodeprep / nameprep, a configured host).
import { nameprep, nodeprep } from './stringprep.js';
import { Refusal } from './refusal.js';

/** A validated account: username nodeprep'd, host one of the configured hosts (nameprep'd). */
export interface Account {
  username: string;
  host: string;
}

export const jidOf = (account: Account): string => `${account.username}@${account.host}`;

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

