// Wrong-password limits: per account, per client, the optional server guard;
// only refusals count, checks in flight never cause a 429, Retry-After is the
// true remaining time.
import { expect } from 'chai';
import { LoginLimits, type PasswordCheck } from '../../src/accounts/login-limits.js';
import { Refusal } from '../../src/accounts/refusal.js';

class Wrong extends Error {}
const refused = (error: unknown) => error instanceof Wrong;

describe('login limits', () => {
  let now = 0;
  const limits = (over: Partial<ConstructorParameters<typeof LoginLimits>[0]> = {}) =>
    new LoginLimits({
      perAccount: { max: 3, windowSeconds: 60 },
      perClient: { max: 5, windowSeconds: 60 },
      serverGuard: undefined,
      now: () => now,
      ...over,
    });
  const fail = (l: LoginLimits, check: PasswordCheck) =>
    l.check(check, () => Promise.reject(new Wrong('wrong')), refused).then(
      () => 'ok',
      (error: unknown) => (error instanceof Refusal ? `${error.reason} ${String(error.extra.retryAfterSeconds)}` : 'wrong'),
    );
  const succeed = (l: LoginLimits, check: PasswordCheck) =>
    l.check(check, () => Promise.resolve('ok'), refused).catch((error: unknown) =>
      error instanceof Refusal ? `${error.reason} ${String(error.extra.retryAfterSeconds)}` : 'error',
    );

  beforeEach(() => {
    now = 1_000_000;
  });

  it('refuses an account after max wrong passwords, with the true remaining time, then lets it go', async () => {
    const l = limits();
    const alice = { account: 'alice@localhost', login: true };
    expect(await fail(l, alice)).to.equal('wrong');
    now += 10_000;
    expect(await fail(l, alice)).to.equal('wrong');
    expect(await fail(l, alice)).to.equal('wrong');
    expect(await succeed(l, alice)).to.equal('too_many_requests 50');
    now += 50_000;
    // The first failure has left the window.
    expect(await succeed(l, alice)).to.equal('ok');
  });

  it("never limits one account because of another's wrong passwords", async () => {
    const l = limits();
    for (let i = 0; i < 10; i += 1) await fail(l, { account: `victim${i % 2}@localhost`, login: true });
    expect(await succeed(l, { account: 'bob@localhost', login: true })).to.equal('ok');
  });

  it('limits wrong Basic logins per client address, whatever accounts they name', async () => {
    const l = limits();
    for (let i = 0; i < 5; i += 1) await fail(l, { account: `nobody${i}@localhost`, client: '192.0.2.1', login: true });
    expect(await succeed(l, { account: 'admin@localhost', client: '192.0.2.1', login: true })).to.match(/^too_many_requests/);
    expect(await succeed(l, { account: 'admin@localhost', client: '192.0.2.2', login: true })).to.equal('ok');
    // Key holders' checks carry no client: the per-client limit does not apply.
    expect(await succeed(l, { account: 'carol@localhost', login: true })).to.equal('ok');
  });

  it('counts every failed login against the server guard, and only logins', async () => {
    const l = limits({ perAccount: undefined, perClient: undefined, serverGuard: { max: 2, windowSeconds: 3600 } });
    expect(await fail(l, { account: 'a@localhost', login: false })).to.equal('wrong');
    expect(await fail(l, { account: 'a@localhost', login: true })).to.equal('wrong');
    expect(await fail(l, { account: 'b@localhost', login: true })).to.equal('wrong');
    expect(await succeed(l, { account: 'c@localhost', login: true })).to.equal('too_many_requests 3600');
    expect(await succeed(l, { account: 'c@localhost', login: false })).to.equal('ok');
  });

  it('does not count successes or other failures', async () => {
    const l = limits();
    const alice = { account: 'alice@localhost', login: true };
    for (let i = 0; i < 10; i += 1) expect(await succeed(l, alice)).to.equal('ok');
    for (let i = 0; i < 10; i += 1) {
      await l.check(alice, () => Promise.reject(new Error('timeout')), refused).catch(() => undefined);
    }
    expect(await succeed(l, alice)).to.equal('ok');
  });

  it('never answers 429 for checks in flight: 30 concurrent correct checks of one account all pass', async () => {
    const l = limits();
    const alice = { account: 'alice@localhost', login: true };
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let running = 0;
    let most = 0;
    const checks = Array.from({ length: 30 }, () =>
      l.check(alice, async () => {
        running += 1;
        most = Math.max(most, running);
        await gate;
        running -= 1;
        return 'ok';
      }, refused),
    );
    release();
    expect(await Promise.all(checks)).to.deep.equal(Array.from({ length: 30 }, () => 'ok'));
    // At most `max` checks of one account run at once, so the limit can never be overshot.
    expect(most).to.be.at.most(3);
  });

  it('cannot be overshot by concurrent wrong passwords', async () => {
    const l = limits();
    const alice = { account: 'alice@localhost', login: true };
    let attempts = 0;
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        l.check(alice, () => {
          attempts += 1;
          return Promise.reject(new Wrong('wrong'));
        }, refused).catch((error: unknown) => (error instanceof Refusal ? error.reason : 'wrong')),
      ),
    );
    expect(attempts).to.equal(3);
    expect(outcomes.filter((o) => o === 'too_many_requests')).to.have.length(17);
  });
});
