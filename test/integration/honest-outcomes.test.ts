// 503 only when nothing was sent, 504 when the outcome is unknown, and a
// bound on work in flight that answers early instead of piling onto the server.
import { expect } from 'chai';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startBridgeProcess, type BridgeProcess, type Reply } from '../support/bridge-process.js';
import { beamPid, bridgeConfig, KEY, thaw, uniqueName } from '../support/fixtures.js';

const HOST = 'localhost';

const xmppRequests = (bridge: BridgeProcess) => bridge.output.filter((l) => l.includes('"msg":"xmpp request"')).length;

describe('honest outcomes under load and faults', function () {
  let server: ThrowawayEjabberd;
  let bridge: BridgeProcess | undefined;

  beforeEach(async function () {
    server = await startEjabberd();
  });
  afterEach(async function () {
    thaw(server);
    await bridge?.stop();
    bridge = undefined;
    await server?.stop();
  });

  const register = (b: BridgeProcess, username: string) =>
    b.post('/api/register/register', { key: KEY, username, host: HOST, password: 'pw' });

  it('never answers 503 for a registration that reached the server, when ejabberd is killed -9 under load', async function () {
    const config = bridgeConfig(server);
    const b = (bridge = await startBridgeProcess({ ...config, log: { level: 'debug' } }));
    const names = Array.from({ length: 300 }, () => uniqueName('kill'));
    await b.logSettled();
    const before = xmppRequests(b);
    const replies = names.map((name) => register(b, name).then((reply): [string, Reply] => [name, reply]));
    // Kill once a good part of the load has been sent.
    await b.waitForLog('xmpp request', () => xmppRequests(b) >= before + 100);
    process.kill(beamPid(server), 'SIGKILL');
    const answered = await Promise.all(replies);

    await server.restart();
    const listed = await server.ctl(['registered_users', HOST]);
    expect(listed.code, listed.stderr).to.equal(0);
    const existing = new Set(listed.stdout.split('\n').filter((line) => line !== ''));
    const byStatus = new Map<number, string[]>();
    for (const [name, reply] of answered) byStatus.set(reply.status, [...(byStatus.get(reply.status) ?? []), name]);
    const said503 = byStatus.get(503) ?? [];
    expect([...byStatus.keys()].every((s) => [200, 503, 504].includes(s)), `statuses ${[...byStatus.keys()].join(',')}`).to.equal(true);
    // Someone must have been cut off, or the test proved nothing.
    expect(said503.length + (byStatus.get(504)?.length ?? 0)).to.be.greaterThan(0);
    expect(said503.filter((name) => existing.has(name)), 'answered 503 but registered').to.deep.equal([]);
    for (const [, reply] of answered.filter(([, r]) => r.status === 504)) {
      expect((reply.json as { error: string }).error).to.equal('timeout');
    }
  });

  it('answers 503 with Retry-After at once beyond the in-flight bound, sending nothing', async function () {
    const b = (bridge = await startBridgeProcess(
      bridgeConfig(server, {
        limits: { failed_logins: { server_guard: 'off' }, xmpp_in_flight: { max: 1, queue: 0 } },
      }),
    ));
    // The bridge's own listing of ad-hoc commands takes the one slot for a moment after connecting.
    await b.waitForLog('xmpp capabilities listed');
    process.kill(beamPid(server), 'SIGSTOP');
    const first = uniqueName('bound');
    const second = uniqueName('bound');
    await b.logSettled();
    const before = xmppRequests(b);
    const pending = register(b, first);
    await b.waitForLog('xmpp request', () => xmppRequests(b) > before);
    const refused = await register(b, second);
    expect(refused.status).to.equal(503);
    expect(refused.json).to.deep.include({ error: 'service_unavailable' });
    expect(Number(refused.headers.get('retry-after'))).to.be.greaterThan(0);
    expect((refused.json as { detail: string }).detail).to.match(/in flight/);
    process.kill(beamPid(server), 'SIGCONT');
    expect((await pending).json).to.equal('ok');
    expect((await server.ctl(['check_account', second, HOST])).code).to.not.equal(0);
    // With the slot free again, the next one goes through.
    expect((await register(b, second)).json).to.equal('ok');
  });

  it('lets requests wait briefly in the queue for a slot instead of refusing them', async function () {
    const b = (bridge = await startBridgeProcess(
      bridgeConfig(server, { limits: { xmpp_in_flight: { max: 2, queue: 100, queue_wait_ms: 30_000 } } }),
    ));
    const replies = await Promise.all(Array.from({ length: 40 }, () => register(b, uniqueName('queue'))));
    expect(replies.map((r) => r.json)).to.deep.equal(replies.map(() => 'ok'));
  });
});
