// Accounts the bridge never mutates, whoever asks and through whichever
// module: its own (a key holder who could set its password would become a
// server admin; removing it would cut the bridge off) and the ones the
// operator lists in `protected_accounts` (the server's admins, say).
import { jidOf, type Account } from '../contract/account.js';
import { Refusal } from '../contract/refusal.js';

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

  /** Refuses when any of `values` names a protected account (a bare or full JID), e.g. in an ad-hoc form. */
  assertNotNamed(values: readonly string[], prepare: (jid: string) => string | undefined): void {
    for (const value of values) {
      const bare = prepare(value.split('/')[0] ?? '');
      if (bare !== undefined && this.#jids.has(bare)) {
        throw new Refusal('not_allowed', `the request names the protected account ${bare}; the bridge never acts on it`);
      }
    }
  }
}
