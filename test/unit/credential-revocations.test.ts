// Revocation of remembered admin credentials (HTTP Basic): a revocation
// for an account makes the next use verify again; a refused password
// revokes; a verification under way when its account is revoked is not
// remembered; while revocations may go unheard nothing remembered is used.
import { expect } from 'chai';
import type { AdminGrant } from '../../src/admin/login.js';
import type { Account } from '../../src/contract/account.js';
import { LocalRevocations, type CredentialRevocations, type Forget } from '../../src/shared/credential-revocations.js';
import { Refusal } from '../../src/contract/refusal.js';
import type { AccountsDeps } from '../../src/accounts/accounts.js';
import type { ServerCommandsDeps } from '../../src/admin/server-commands.js';
import type { ApiCommandsDeps } from '../../src/admin/api-commands.js';
import { BasicAuth, type BasicAuthDeps } from '../../src/api/admin/basic-auth.js';

const CLIENT = '127.0.0.1';
const header = (userPass: string) => `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;

/** Revocations as another instance would see them, with `heard` under the test's control. */
class TestRevocations implements CredentialRevocations {
  readonly #local = new LocalRevocations();
  readonly #listeners: Forget[] = [];
  readonly revoked: string[] = [];
  heard = true;

  revoke(jid: string): Promise<void> {
    this.revoked.push(jid);
    return this.#local.revoke(jid);
  }

  /** As a revocation from another instance arrives (undefined: revoke everything). */
  arrive(jid: string | undefined): void {
    for (const forget of this.#listeners) forget(jid);
  }

  subscribe(forget: Forget): void {
    this.#local.subscribe(forget);
    this.#listeners.push(forget);
  }
}

/** A stand-in for the admin login: the password is "right" until changed; verifications can be held. */
function fakeLogin(revocations: CredentialRevocations) {
  const calls: string[] = [];
  const pending: (() => void)[] = [];
  let password = 'right';
  let hold = false;
  return {
    revocations,
    calls,
    change(to: string) {
      password = to;
    },
    hold(value: boolean) {
      hold = value;
    },
    release() {
      pending.splice(0).forEach((resolve) => resolve());
    },
    async verify(account: Account, given: string): Promise<AdminGrant> {
      calls.push(given);
      if (hold) await new Promise<void>((resolve) => pending.push(resolve));
      if (given !== password) throw new Refusal('unauthenticated', 'refused');
      return { jid: `${account.username}@${account.host}`, offered: new Map() };
    },
  };
}

describe('revoking remembered admin credentials', () => {
  const setUp = () => {
    const revocations = new TestRevocations();
    const login = fakeLogin(revocations);
    const auth = new BasicAuth({ login, revocations, hosts: ['localhost'] });
    const use = (password: string) =>
      auth.authenticate(header(`admin@localhost:${password}`), CLIENT).then(
        () => 'ok',
        (error: unknown) => (error instanceof Refusal ? error.reason : 'error'),
      );
    return { revocations, login, use };
  };

  it('verifies again after a revocation of the account (a password changed elsewhere)', async () => {
    const { revocations, login, use } = setUp();
    expect(await use('right')).to.equal('ok');
    expect(await use('right')).to.equal('ok');
    expect(login.calls).to.have.length(1);
    login.change('new');
    revocations.arrive('someone-else@localhost');
    expect(await use('right')).to.equal('ok');
    revocations.arrive('admin@localhost');
    expect(await use('right')).to.equal('unauthenticated');
    expect(await use('new')).to.equal('ok');
  });

  it('forgets everything on a revocation of all', async () => {
    const { revocations, login, use } = setUp();
    expect(await use('right')).to.equal('ok');
    revocations.arrive(undefined);
    expect(await use('right')).to.equal('ok');
    expect(login.calls).to.have.length(2);
  });

  it('revokes the account when a password for it is refused', async () => {
    const { revocations, use } = setUp();
    expect(await use('wrong')).to.equal('unauthenticated');
    expect(revocations.revoked).to.deep.equal(['admin@localhost']);
  });

  it('does not remember a verification its account was revoked during', async () => {
    const { revocations, login, use } = setUp();
    login.hold(true);
    const during = use('right');
    revocations.arrive('admin@localhost');
    login.release();
    expect(await during).to.equal('ok');
    login.hold(false);
    expect(await use('right')).to.equal('ok');
    expect(login.calls).to.have.length(2);
  });

  it('uses and keeps nothing remembered while revocations may go unheard', async () => {
    const { revocations, login, use } = setUp();
    expect(await use('right')).to.equal('ok');
    revocations.heard = false;
    expect(await use('right')).to.equal('ok');
    expect(await use('right')).to.equal('ok');
    expect(login.calls).to.have.length(3);
    revocations.heard = true;
    expect(await use('right')).to.equal('ok');
    expect(login.calls).to.have.length(4);
    expect(await use('right')).to.equal('ok');
    expect(login.calls).to.have.length(4);
  });

  it('cannot be left out: Basic auth, account operations, server commands and commands by name do not type-check without revocations', () => {
    // A dependency that became optional would make these `never`, and the assignments fail to compile.
    const accounts: object extends Pick<AccountsDeps, 'revocations'> ? never : true = true;
    const commands: object extends Pick<ServerCommandsDeps, 'revocations'> ? never : true = true;
    const basic: object extends Pick<BasicAuthDeps, 'revocations'> ? never : true = true;
    const byName: object extends Pick<ApiCommandsDeps, 'revocations'> ? never : true = true;
    // @ts-expect-error revocations is required
    const make = () => new BasicAuth({ login: fakeLogin(new TestRevocations()), hosts: ['localhost'] });
    expect([accounts, commands, basic, byName, typeof make]).to.deep.equal([true, true, true, true, 'function']);
  });
});
