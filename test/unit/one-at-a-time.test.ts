// Per-key serialisation of registrations (src/accounts/one-at-a-time.ts):
// one at a time per key, in order, other keys alongside, nothing kept once idle.
import { expect } from 'chai';
import { OneAtATime } from '../../src/accounts/one-at-a-time.js';

/** A promise settled from outside, and whether its work has started. */
function gate(): { started: boolean; open(): void; fail(error: Error): void; work: () => Promise<string> } {
  let resolve: () => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const g = {
    started: false,
    open: () => resolve(),
    fail: (error: Error) => reject(error),
    work: () => {
      g.started = true;
      return new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      }).then(() => 'done');
    },
  };
  return g;
}

/** Lets every already-settled promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('OneAtATime', function () {
  it('runs work for one key one after the other, in arrival order', async function () {
    const queue = new OneAtATime();
    const [a, b, c] = [gate(), gate(), gate()];
    const runs = [queue.run('x@h', a.work), queue.run('x@h', b.work), queue.run('x@h', c.work)];
    await settle();
    expect([a.started, b.started, c.started]).to.deep.equal([true, false, false]);
    a.open();
    await settle();
    expect([b.started, c.started]).to.deep.equal([true, false]);
    b.fail(new Error('refused'));
    await settle();
    expect(c.started, 'a failure lets the next one run').to.equal(true);
    c.open();
    const outcomes = await Promise.allSettled(runs);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('runs work for other keys alongside', async function () {
    const queue = new OneAtATime();
    const [a, b] = [gate(), gate()];
    const runs = [queue.run('x@h', a.work), queue.run('y@h', b.work)];
    await settle();
    expect([a.started, b.started]).to.deep.equal([true, true]);
    a.open();
    b.open();
    expect(await Promise.all(runs)).to.deep.equal(['done', 'done']);
  });

  it('keeps no entry for a key once its work is done, failed or not', async function () {
    const queue = new OneAtATime();
    const [a, b] = [gate(), gate()];
    const runs = [queue.run('x@h', a.work), queue.run('y@h', b.work)];
    expect(queue.busyKeys).to.equal(2);
    await settle();
    a.open();
    b.fail(new Error('refused'));
    await Promise.allSettled(runs);
    await settle();
    expect(queue.busyKeys).to.equal(0);
  });
});
