import { expect } from 'chai';
import type { AdminGrant } from '../../src/admin/login.js';
import type { Account } from '../../src/contract/account.js';
import { Refusal } from '../../src/contract/refusal.js';
import { BASIC_REALM, BasicAuth } from '../../src/api/admin/basic-auth.js';
import { CredentialCache } from '../../src/api/admin/credential-cache.js';
import { LocalRevocations } from '../../src/shared/credential-revocations.js';

const CLIENT = '127.0.0.1';

describe('admin credential cache', () => {
  let now = 0;
  const cache = (maxEntries = 3, ttlMs = 1000) => new CredentialCache<string>({ maxEntries, ttlMs, now: () => now });
  beforeEach(() => {
    now = 1_000_000;
  });

  it('answers the value only for the same user and secret', () => {
    const c = cache();
    c.set('a@h', 'pw', 'grant');
    expect(c.get('a@h', 'pw')).to.equal('grant');
    expect(c.get('b@h', 'pw')).to.equal(undefined);
  });

  it('drops an entry at the first different secret', () => {
    const c = cache();
    c.set('a@h', 'pw', 'grant');
    expect(c.get('a@h', 'other')).to.equal(undefined);
    expect(c.get('a@h', 'pw')).to.equal(undefined);
    expect(c.size).to.equal(0);
  });

  it('forgets an entry once its time is up, counted from the verification', () => {
    const c = cache(3, 1000);
    c.set('a@h', 'pw', 'grant');
    now += 999;
    expect(c.get('a@h', 'pw')).to.equal('grant');
    now += 1;
    expect(c.get('a@h', 'pw')).to.equal(undefined);
    expect(c.size).to.equal(0);
  });

  it('keeps at most maxEntries, evicting the least recently used', () => {
    const c = cache(2);
    c.set('a@h', 'pw', 'A');
    c.set('b@h', 'pw', 'B');
    expect(c.get('a@h', 'pw')).to.equal('A');
    c.set('c@h', 'pw', 'C');
    expect(c.size).to.equal(2);
    expect(c.get('b@h', 'pw')).to.equal(undefined);
    expect(c.get('a@h', 'pw')).to.equal('A');
    expect(c.get('c@h', 'pw')).to.equal('C');
  });

  it('keeps a keyed digest, not the password: another process cannot recompute it', () => {
    const one = cache();
    const two = cache();
    const digest = one.fingerprint('a@h', 'hunter2');
    expect(digest).to.have.length(32);
    expect(digest.equals(one.fingerprint('a@h', 'hunter2'))).to.equal(true);
    expect(digest.equals(two.fingerprint('a@h', 'hunter2'))).to.equal(false);
    expect(digest.includes(Buffer.from('hunter2'))).to.equal(false);
  });
});

describe('admin HTTP Basic authentication', () => {
  const grant = (jid: string): AdminGrant => ({ jid, offered: new Map() });
  const header = (userPass: string) => `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;

  /** A stand-in for the XMPP login: the admin password is "right". */
  function fakeLogin() {
    const calls: { account: Account; password: string }[] = [];
    const pending: (() => void)[] = [];
    let hold = false;
    return {
      calls,
      hold(value: boolean) {
        hold = value;
      },
      release() {
        pending.splice(0).forEach((resolve) => resolve());
      },
      async verify(account: Account, password: string): Promise<AdminGrant> {
        calls.push({ account, password });
        if (hold) await new Promise<void>((resolve) => pending.push(resolve));
        if (account.username === 'user') throw new Refusal('not_allowed', 'not an administrator');
        if (password !== 'right') throw new Refusal('unauthenticated', 'refused');
        return grant(`${account.username}@${account.host}`);
      },
    };
  }

  const refusalOf = async (promise: Promise<unknown>): Promise<Refusal> => {
    try {
      await promise;
    } catch (error) {
      if (error instanceof Refusal) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  };

  it('challenges missing, malformed and unusable credentials without logging in', async () => {
    const login = fakeLogin();
    const auth = new BasicAuth({ login, revocations: new LocalRevocations(), hosts: ['localhost'] });
    for (const authorization of [
      undefined,
      'Bearer x',
      'Basic ***',
      header('no-colon'),
      header('admin:right'),
      header('admin@elsewhere:right'),
      header('admin@localhost:'),
      header('a b@localhost:right'),
      header('admin@localhost/res:right'),
    ]) {
      const refusal = await refusalOf(auth.authenticate(authorization, CLIENT));
      expect(refusal.reason, authorization).to.equal('unauthenticated');
      expect(refusal.extra.basicRealm).to.equal(BASIC_REALM);
    }
    expect(login.calls).to.have.length(0);
  });

  it('verifies with the server once, normalising the JID, then answers from memory', async () => {
    const login = fakeLogin();
    const auth = new BasicAuth({ login, revocations: new LocalRevocations(), hosts: ['localhost'] });
    expect(await auth.authenticate(header('Admin@LocalHost:right'), CLIENT)).to.deep.equal(grant('admin@localhost'));
    expect(await auth.authenticate(header('admin@localhost:right'), CLIENT)).to.deep.equal(grant('admin@localhost'));
    expect(login.calls).to.deep.equal([{ account: { username: 'admin', host: 'localhost' }, password: 'right' }]);
  });

  it('challenges a refused password and remembers nothing for it', async () => {
    const login = fakeLogin();
    const auth = new BasicAuth({ login, revocations: new LocalRevocations(), hosts: ['localhost'] });
    const refusal = await refusalOf(auth.authenticate(header('admin@localhost:wrong'), CLIENT));
    expect(refusal.reason).to.equal('unauthenticated');
    expect(refusal.extra.basicRealm).to.equal(BASIC_REALM);
    await refusalOf(auth.authenticate(header('admin@localhost:wrong'), CLIENT));
    expect(login.calls).to.have.length(2);
  });

  it('passes a non-admin refusal on as 403 material, without a challenge', async () => {
    const auth = new BasicAuth({ login: fakeLogin(), revocations: new LocalRevocations(), hosts: ['localhost'] });
    const refusal = await refusalOf(auth.authenticate(header('user@localhost:right'), CLIENT));
    expect(refusal.reason).to.equal('not_allowed');
    expect(refusal.extra.basicRealm).to.equal(undefined);
  });

  it('shares one verification among identical credentials that arrive together', async () => {
    const login = fakeLogin();
    login.hold(true);
    const auth = new BasicAuth({ login, revocations: new LocalRevocations(), hosts: ['localhost'] });
    const together = [1, 2, 3].map(() => auth.authenticate(header('admin@localhost:right'), CLIENT));
    const other = auth.authenticate(header('admin@localhost:wrong'), CLIENT);
    login.release();
    expect(await Promise.all(together)).to.have.length(3);
    expect((await refusalOf(other)).reason).to.equal('unauthenticated');
    expect(login.calls.map((c) => c.password)).to.deep.equal(['right', 'wrong']);
  });
});
