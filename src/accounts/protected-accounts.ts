// Accounts the bridge never mutates, whoever asks and through whichever
// module: its own (a key holder who could set its password would become a
// server admin; removing it would cut the bridge off) and the ones the
// operator lists in `protected_accounts` (the server's admins, say).
import { jidOf, type Account } from '../contract/account.js';
import { Refusal } from '../contract/refusal.js';
import { nameprep, nodeprep } from '../contract/stringprep.js';

export class ProtectedAccounts {
  readonly #jids: ReadonlySet<string>;

  /** `jids`: bare JIDs, already nodeprep'd and nameprep'd; the bridge's own first. */
  constructor(jids: readonly string[]) {
    this.#jids = new Set(jids);
  }

  has(account: Account): boolean {
    return this.#jids.has(jidOf(account));
  }

  /** Refuses with not_allowed, before anything is sent, when `account` is protected. */
  assertMutable(account: Account): void {
    if (this.has(account)) {
      throw new Refusal('not_allowed', `${jidOf(account)} is a protected account: the bridge never removes it, changes its password or ends its sessions`);
    }
  }

  /**
   * Refuses, before anything is sent, when `values` (an ad-hoc form's or a
   * server command's arguments, in any shape) could name a protected
   * account: as a JID (bare or full, alone, in a list or inside a tuple
   * `a:b:c`), or as a user name beside its host, whether the host is given
   * in another field (user+host, localuser+localhost, ...) or left to the
   * server (any of `hosts`, the hosts the command may act on). Reading every
   * value as a possible name errs on the side of refusing: a room or a nick
   * spelled like a protected account's user name is refused too.
   */
  assertNotNamedIn(values: readonly string[], hosts: readonly string[]): void {
    const names = namesIn(values);
    const domains = new Set([...hosts, ...names.domains]);
    for (const jid of this.#jids) {
      const at = jid.lastIndexOf('@');
      if (names.jids.has(jid) || (names.users.has(jid.slice(0, at)) && domains.has(jid.slice(at + 1)))) {
        throw new Refusal('not_allowed', `the request names the protected account ${jid}; the bridge never acts on it`);
      }
    }
  }
}

/** What a set of argument values could name: JIDs, user names and domains, each prepared. */
export interface NamesIn {
  jids: Set<string>;
  users: Set<string>;
  domains: Set<string>;
}

/**
 * Reads every value (a form's or a command's arguments) as possible names:
 * each is split at spaces, commas, ';', '|' and ':' (tuples `a:b:c`,
 * mod_adhoc_api's ` : `), a token with '@' is a JID (its resource dropped),
 * any other token a possible user name and a possible domain.
 */
export function namesIn(values: readonly string[]): NamesIn {
  const names: NamesIn = { jids: new Set(), users: new Set(), domains: new Set() };
  for (const token of values.flatMap((value) => value.split(/[\s,;:|]+/))) {
    const bare = token.split('/')[0] ?? '';
    if (bare === '') continue;
    const at = bare.lastIndexOf('@');
    if (at > 0) {
      const user = nodeprep(bare.slice(0, at));
      const domain = nameprep(bare.slice(at + 1));
      if (user !== undefined && domain !== undefined) names.jids.add(`${user}@${domain}`);
      continue;
    }
    const domain = nameprep(bare);
    if (domain !== undefined) names.domains.add(domain);
    const user = nodeprep(bare);
    if (user !== undefined) names.users.add(user);
  }
  return names;
}
