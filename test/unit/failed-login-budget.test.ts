// The cap on failed password checks that keeps the bridge clear of fail2ban.
import { expect } from 'chai';
import { FailedLoginBudget } from '../../src/accounts/failed-login-budget.js';
import type { Refusal } from '../../src/accounts/refusal.js';
import { LoginRefused } from '../../src/xmpp/errors.js';

describe('FailedLoginBudget', function () {
  let now = 0;
  const clock = () => now;
  const refused = () => Promise.reject(new LoginRefused('not-authorized'));
  const accepted = () => Promise.resolve('ok');
  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: Error) => (e instanceof LoginRefused ? 'refused' : (e as Refusal).reason),
    );

  beforeEach(() => {
    now = 1_000_000;
  });

  it('lets logins through until `max` have failed within the window, then refuses before logging in', async function () {
    const budget = new FailedLoginBudget(2, 60, clock);
    expect(await outcome(budget.spend(refused))).to.equal('refused');
    expect(await outcome(budget.spend(accepted))).to.equal('ok');
    expect(await outcome(budget.spend(refused))).to.equal('refused');
    let attempted = false;
    const result = await outcome(budget.spend(() => ((attempted = true), accepted())));
    expect(result).to.equal('too_many_requests');
    expect(attempted).to.equal(false);
  });

  it('tells when to retry, and opens again once the oldest failure leaves the window', async function () {
    const budget = new FailedLoginBudget(1, 60, clock);
    await outcome(budget.spend(refused));
    now += 20_000;
    try {
      await budget.spend(accepted);
      expect.fail('expected a refusal');
    } catch (error) {
      expect((error as Refusal).extra.retryAfterSeconds).to.equal(40);
    }
    now += 40_000;
    expect(await outcome(budget.spend(accepted))).to.equal('ok');
  });

  it('counts logins still under way, so concurrent attempts cannot overshoot', async function () {
    const budget = new FailedLoginBudget(2, 60, clock);
    const gates: (() => void)[] = [];
    const slow = () => new Promise<never>((_, reject) => gates.push(() => reject(new LoginRefused('not-authorized'))));
    const first = outcome(budget.spend(slow));
    const second = outcome(budget.spend(slow));
    const third = await outcome(budget.spend(slow));
    expect(third).to.equal('too_many_requests');
    gates.forEach((open) => open());
    expect([await first, await second]).to.deep.equal(['refused', 'refused']);
  });

  it('does not count failures other than a refused login', async function () {
    const budget = new FailedLoginBudget(1, 60, clock);
    expect(await outcome(budget.spend(() => Promise.reject(new Error('network'))))).to.equal(undefined);
    expect(await outcome(budget.spend(accepted))).to.equal('ok');
  });
});
