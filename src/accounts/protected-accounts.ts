// Accounts the bridge never mutates, whoever asks and through whichever
// module: its own (a key holder who could set its password would become a
// server admin; removing it would cut the bridge off) and the ones the
// operator lists in `protected_accounts` (the server's admins, say).
import { jidOf, type Account } from './account.js';
import { nameprep, nodeprep } from '../xmpp/stringprep.js';
import { Refusal } from './refusal.js';

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
    const tokens = values.flatMap((value) => value.split(/[\s,;:|]+/)).filter((token) => token !== '');
    const named = this.#namedBy(tokens, hosts);
    if (named !== undefined) {
      throw new Refusal('not_allowed', `the request names the protected account ${named}; the bridge never acts on it`);
    }
  }

  #namedBy(tokens: readonly string[], hosts: readonly string[]): string | undefined {
    const domains = new Set(hosts);
    const users = new Set<string>();
    for (const token of tokens) {
      const bare = token.split('/')[0] ?? '';
      const at = bare.lastIndexOf('@');
      if (at > 0) {
        const jid = `${nodeprep(bare.slice(0, at)) ?? ''}@${nameprep(bare.slice(at + 1)) ?? ''}`;
        if (this.#jids.has(jid)) return jid;
        continue;
      }
      const domain = nameprep(bare);
      if (domain !== undefined) domains.add(domain);
      const user = nodeprep(bare);
      if (user !== undefined) users.add(user);
    }
    for (const jid of this.#jids) {
      const at = jid.lastIndexOf('@');
      if (users.has(jid.slice(0, at)) && domains.has(jid.slice(at + 1))) return jid;
    }
    return undefined;
  }
}
