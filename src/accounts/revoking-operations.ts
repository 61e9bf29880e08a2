// The account operations that can change or remove a password, made to
// revoke the credentials verified for that account on every instance
// (./credential-revocations.ts) once the change may have happened: after
// success, and after a failure whose outcome is unknown. Changes made
// elsewhere (ejabberdctl, the adhoc escape hatch, the user's own client)
// are caught when the old password is refused on any instance, or when the
// remembered credential expires.
import { Accounts, jidOf, type Account, type AccountsDeps } from './accounts.js';
import { AdminLogin, type AdminLoginDeps } from './admin-login.js';
import type { CredentialRevocations } from '../shared/credential-revocations.js';
import { Refusal } from '../contract/refusal.js';
import { ServerCommands, type Authority, type ServerCommandsDeps } from './server-commands.js';

/** A failure after which the account may still have been changed: the server may have done it. */
function outcomeUnknown(error: unknown): boolean {
  return !(error instanceof Refusal) || error.reason === 'timeout' || error.reason === 'upstream_error' || error.reason === 'internal_error';
}

async function revokingAfter(revocations: CredentialRevocations, account: Account, change: () => Promise<void>): Promise<void> {
  try {
    await change();
  } catch (error) {
    if (outcomeUnknown(error)) await revocations.revoke(jidOf(account));
    throw error;
  }
  await revocations.revoke(jidOf(account));
}

/** The register module's operations. */
export class RevokingAccounts extends Accounts {
  readonly #revocations: CredentialRevocations;

  constructor(deps: AccountsDeps, revocations: CredentialRevocations) {
    super(deps);
    this.#revocations = revocations;
  }

  override unregister(account: Account, password: string): Promise<void> {
    return revokingAfter(this.#revocations, account, () => super.unregister(account, password));
  }

  override changePassword(account: Account, oldPassword: string, newPassword: string): Promise<void> {
    return revokingAfter(this.#revocations, account, () => super.changePassword(account, oldPassword, newPassword));
  }

  override forceChangePassword(account: Account, newPassword: string): Promise<void> {
    return revokingAfter(this.#revocations, account, () => super.forceChangePassword(account, newPassword));
  }
}

/** The admin module's commands. */
export class RevokingServerCommands extends ServerCommands {
  readonly #revocations: CredentialRevocations;

  constructor(deps: ServerCommandsDeps, revocations: CredentialRevocations) {
    super(deps);
    this.#revocations = revocations;
  }

  override unregister(authority: Authority, account: Account): Promise<void> {
    return revokingAfter(this.#revocations, account, () => super.unregister(authority, account));
  }

  override changePassword(authority: Authority, account: Account, password: string): Promise<void> {
    return revokingAfter(this.#revocations, account, () => super.changePassword(authority, account, password));
  }
}

/**
 * The admin login, carrying the revocations its verdicts are subject to:
 * HTTP Basic authentication (../api/admin/basic-auth.ts) remembers verified
 * credentials and forgets them on every revocation.
 */
export class RevocableAdminLogin extends AdminLogin {
  constructor(
    deps: AdminLoginDeps,
    readonly revocations: CredentialRevocations,
  ) {
    super(deps);
  }
}
