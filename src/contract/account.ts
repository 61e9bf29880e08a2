// An account as every layer above XMPP names it.

/** A validated account: username nodeprep'd, host one of the configured hosts (nameprep'd). */
export interface Account {
  username: string;
  host: string;
}

export const jidOf = (account: Account): string => `${account.username}@${account.host}`;
