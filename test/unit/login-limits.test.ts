// Wrong-password limits: per account, per client, the optional server guard;
// only refusals count, checks in flight never cause a 429 within a process,
// the limit is never overshot (also by instances sharing a store, or across
// a window's end), Retry-After is the true remaining time, and a store that
// does not answer refuses checks with 503 instead of letting them through.
// The clock is fake: rate-limiter-flexible's memory store reads Date and
// expires keys with setTimeout.
import FakeTimers, { type Clock } from '@sinonjs/fake-timers';
import { expect } from 'chai';
import type { RateLimiterRes } from 'rate-limiter-flexible';
import { boundedMemoryCounter, memoryStore, type LimitStore, type WindowCounter } from '../../src/limits/store.js';
import { LoginLimits, type PasswordCheck } from '../../src/limits/login-limits.js';
import { Refusal } from '../../src/contract/refusal.js';

class Wrong extends Error {}
const refused = (error: unknown) => error instanceof Wrong;

/** A store like the memory one, whose every call fails until `answering` is true again (Redis away). */
function flakyStore(): LimitStore & { available: boolean; answering: boolean; failures: number } {
  const flaky = {
    answering: true,
    failures: 0,
    counter: (name: string, limit: { max: number; windowSeconds: number }) => {
      const counter = memoryStore.counter(name, limit);
      const call =
        <A extends unknown[]>(op: (...args: A) => Promise<RateLimiterRes>) =>
        (...args: A) =>
          flaky.answering ? op(...args) : Promise.reject(new Error('Command timed out'));
      return {
        consume: call(counter.consume.bind(counter)),
        reward: call(counter.reward.bind(counter)),
        penalty: call(counter.penalty.bind(counter)),
      };
    },
    available: true,
    failed: () => {
      flaky.failures += 1;
    },
  };
  return flaky;
}

describe('login limits', () => {
  let clock: Clock;
  const limits = (over: Partial<ConstructorParameters<typeof LoginLimits>[0]> = {}) =>
    new LoginLimits({
      perAccount: { max: 3, windowSeconds: 60 },
      perClient: { max: 5, windowSeconds: 60 },
      serverGuard: undefined,
      ...over,
    });
  const outcome = (error: unknown) =>
    error instanceof Refusal ? `${error.reason} ${String(error.extra.retryAfterSeconds)}` : error instanceof Wrong ? 'wrong' : 'error';
  const fail = (l: LoginLimits, check: PasswordCheck) =>
    l.check(check, () => Promise.reject(new Wrong('wrong')), refused).then(() => 'ok', outcome);
  const succeed = (l: LoginLimits, check: PasswordCheck) => l.check(check, () => Promise.resolve('ok'), refused).catch(outcome);
  /** An attempt that runs until `release()`. */
  const gated = () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    return { gate, release: () => release() };
  };

  beforeEach(() => {
    clock = FakeTimers.install({ now: 1_000_000, toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    clock.uninstall();
  });

  it('refuses an account after max wrong passwords, with the true remaining time, then lets it go', async () => {
    const l = limits();
    const alice = { account: 'alice@localhost', login: true };
    expect(await fail(l, alice)).to.equal('wrong');
    clock.tick(10_000);
    expect(await fail(l, alice)).to.equal('wrong');
    expect(await fail(l, alice)).to.equal('wrong');
    expect(await succeed(l, alice)).to.equal('too_many_requests 50');
    clock.tick(50_000);
    // The window that opened with the first failure has closed.
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
    const { gate, release } = gated();
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

  it('is shared by instances on one store: spent through one, refused by the other, never overshot together', async () => {
    // One counter per limit, as every instance finds in Redis.
    const counters = new Map<string, WindowCounter>();
    const store: LimitStore = {
      counter: (name, limit) => {
        const counter = counters.get(name) ?? memoryStore.counter(name, limit);
        counters.set(name, counter);
        return counter;
      },
      available: true,
      failed: () => undefined,
    };
    const one = limits({ store });
    const two = limits({ store });
    const alice = { account: 'alice@localhost', login: true };
    for (let i = 0; i < 3; i += 1) expect(await fail(one, alice)).to.equal('wrong');
    expect(await succeed(two, alice)).to.equal('too_many_requests 60');

    let attempts = 0;
    const wrong = () => {
      attempts += 1;
      return Promise.reject(new Wrong('wrong'));
    };
    const bob = { account: 'bob@localhost', login: true };
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? one : two).check(bob, wrong, refused).catch(() => undefined)));
    expect(attempts).to.equal(3);
  });

  it('gives nothing back into the next window: a check that ends after its window closed adds no allowance', async () => {
    const l = limits();
    const alice = { account: 'alice@localhost', login: true };
    expect(await fail(l, alice)).to.equal('wrong');
    clock.tick(59_000);
    const { gate, release } = gated();
    const slow = l.check(alice, () => gate.then(() => 'ok'), refused);
    await clock.tickAsync(2_000);
    // The window has closed; the slow check ends in the next one.
    release();
    expect(await slow).to.equal('ok');
    for (let i = 0; i < 3; i += 1) expect(await fail(l, alice)).to.equal('wrong');
    expect(await succeed(l, alice)).to.match(/^too_many_requests/);
  });

  it('answers 503 without trying while the store does not answer, counts nothing lost, and recovers', async () => {
    const store = flakyStore();
    const l = limits({ store });
    const alice = { account: 'alice@localhost', login: true };
    expect(await fail(l, alice)).to.equal('wrong');
    store.answering = false;
    let tried = false;
    const down = await l.check(alice, () => {
      tried = true;
      return Promise.resolve('ok');
    }, refused).catch(outcome);
    expect(down).to.equal('service_unavailable 1');
    expect(tried).to.equal(false);
    expect(store.failures).to.be.greaterThan(0);
    store.answering = true;
    expect(await fail(l, alice)).to.equal('wrong');
    expect(await fail(l, alice)).to.equal('wrong');
    expect(await succeed(l, alice)).to.match(/^too_many_requests/);
  });

  it('refuses at once, asking the store nothing, while the store is known to be down', async () => {
    const store = flakyStore();
    const l = limits({ store });
    store.available = false;
    store.answering = false;
    expect(await succeed(l, { account: 'alice@localhost', login: true })).to.equal('service_unavailable 1');
    // Nothing was asked, so nothing failed anew: the store's own probe decides when it is back.
    expect(store.failures).to.equal(0);
    // Checks no limit applies to still run.
    expect(await succeed(limits({ store, perAccount: undefined }), { account: 'alice@localhost', login: true })).to.equal('ok');
  });

  it('keeps the point of a check whose give-back fails: a success counted as a failure, never the reverse', async () => {
    const store = flakyStore();
    const l = limits({ store });
    const alice = { account: 'alice@localhost', login: true };
    const answer = await l.check(alice, () => {
      store.answering = false;
      return Promise.resolve('ok');
    }, refused);
    expect(answer).to.equal('ok');
    store.answering = true;
    expect(await fail(l, alice)).to.equal('wrong');
    expect(await fail(l, alice)).to.equal('wrong');
    expect(await succeed(l, alice)).to.match(/^too_many_requests/);
  });
});

describe('memory store: a bound on the keys kept', () => {
  let clock: Clock;
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  });
  afterEach(() => clock.uninstall());

  const spent = async (counter: WindowCounter, key: string): Promise<boolean> =>
    counter.consume(key, 1).then(
      () => false,
      () => true,
    );

  it('forgets the oldest key once more than the bound are counted, and keeps the newer ones', async () => {
    const counter = boundedMemoryCounter('bound-test', { max: 1, windowSeconds: 60 }, 3);
    for (const key of ['a', 'b', 'c']) expect(await spent(counter, key), key).to.equal(false);
    expect(await spent(counter, 'b'), 'b is at its limit').to.equal(true);
    // A fourth key: 'a', the oldest, is dropped.
    expect(await spent(counter, 'd')).to.equal(false);
    expect(await spent(counter, 'a'), 'a starts over').to.equal(false);
    // 'a' came back as the newest and pushed out 'b' (the next oldest); 'c' and 'd' still count.
    expect(await spent(counter, 'c')).to.equal(true);
    expect(await spent(counter, 'd')).to.equal(true);
  });

  it('drops keys whose window closed before any that is still open', async () => {
    const counter = boundedMemoryCounter('bound-test-2', { max: 1, windowSeconds: 10 }, 2);
    expect(await spent(counter, 'old')).to.equal(false);
    clock.tick(11_000);
    expect(await spent(counter, 'x')).to.equal(false);
    expect(await spent(counter, 'y')).to.equal(false);
    // 'old' had expired: making room for 'y' cost 'x' nothing.
    expect(await spent(counter, 'x'), 'x keeps its count').to.equal(true);
  });
});
