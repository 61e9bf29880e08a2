// The bound on XMPP work in flight, and who counts as the client.
import { expect } from 'chai';
import { clientAddressResolver } from '../../src/http/client-address.js';
import { Overloaded } from '../../src/contract/xmpp-failures.js';
import { InFlightLimit } from '../../src/xmpp/in-flight-limit.js';

describe('in-flight limit', () => {
  it('runs up to max at once, queues the next, and refuses beyond the queue before running anything', async () => {
    const limit = new InFlightLimit({ max: 2, queue: 1, waitMs: 60_000 });
    const releases: (() => void)[] = [];
    const started: number[] = [];
    const job = (n: number) =>
      limit.run(() => {
        started.push(n);
        return new Promise<number>((resolve) => releases.push(() => resolve(n)));
      });
    const a = job(1);
    const b = job(2);
    const c = job(3);
    const d = job(4).catch((error: unknown) => error);
    const refused = await d;
    expect(refused).to.be.instanceOf(Overloaded);
    expect((refused as Overloaded).retryAfterSeconds).to.equal(60);
    expect(started).to.deep.equal([1, 2]);
    expect(limit.queued).to.equal(1);
    releases[0]?.();
    expect(await a).to.equal(1);
    // The slot passed to the queued job.
    await Promise.resolve();
    expect(started).to.deep.equal([1, 2, 3]);
    releases[1]?.();
    releases[2]?.();
    expect(await Promise.all([b, c])).to.deep.equal([2, 3]);
    expect(limit.active).to.equal(0);
  });

  it('refuses a queued request when no slot frees up within the wait', async () => {
    const limit = new InFlightLimit({ max: 1, queue: 5, waitMs: 20 });
    let release: () => void = () => undefined;
    const held = limit.run(() => new Promise<void>((resolve) => (release = resolve)));
    const waited = await limit.run(() => Promise.resolve('ran')).catch((error: unknown) => error);
    expect(waited).to.be.instanceOf(Overloaded);
    expect(limit.queued).to.equal(0);
    release();
    await held;
    expect(await limit.run(() => Promise.resolve('ran'))).to.equal('ran');
  });
});

describe('client address', () => {
  it('is the peer, and X-Forwarded-For is ignored unless the peer is a trusted proxy', () => {
    const untrusting = clientAddressResolver([]);
    expect(untrusting('::ffff:192.0.2.7', '203.0.113.9')).to.equal('192.0.2.7');
    const trusting = clientAddressResolver(['10.0.0.0/8', '::1']);
    expect(trusting('192.0.2.7', '203.0.113.9')).to.equal('192.0.2.7');
    expect(trusting('10.1.2.3', '203.0.113.9')).to.equal('203.0.113.9');
    expect(trusting('::1', '203.0.113.9')).to.equal('203.0.113.9');
  });

  it('takes the right-most hop that is not a trusted proxy (the left ones are the caller’s to invent)', () => {
    const trusting = clientAddressResolver(['10.0.0.0/8']);
    expect(trusting('10.0.0.1', '198.51.100.1, 203.0.113.9, 10.0.0.2')).to.equal('203.0.113.9');
    expect(trusting('10.0.0.1', 'not-an-ip, 203.0.113.9')).to.equal('203.0.113.9');
    expect(trusting('10.0.0.1', '')).to.equal('10.0.0.1');
  });
});
