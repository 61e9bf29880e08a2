// Two bridge processes against one ejabberd, sharing limits.store (a
// throwaway Redis): a wrong-password limit spent through one holds on the
// other, per account and per client address; a Basic credential remembered
// by one stops working there once its password is changed through the other,
// or refused by it; and while Redis is down password checks answer 503 and
// /ready 503, other operations go on, and all comes back with Redis.
// Synchronised on the bridges' log lines, never by sleeping.
import { expect } from 'chai';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { bridgeConfig, KEY, uniqueName } from '../support/fixtures.js';
import { startRedis, type ThrowawayRedis } from '../support/redis.js';
import { adminCheck, basic, changePassword, newUser as newUserOn, postFrom } from '../support/http-clients.js';

const HOST = 'localhost';
/** A second administrator, whose password the tests change. */
const CAROL = 'carol';
const CAROL_JID = `${CAROL}@${HOST}`;


/** A log line written at or after `since` (epoch ms), for events that happen more than once. */
const loggedSince = (since: number) => (line: Record<string, unknown>) => Number(line.time) >= since;

describe('limits shared across instances (limits.store)', function () {
  let server: ThrowawayEjabberd;
  let redis: ThrowawayRedis;
  let one: BridgeProcess;
  let two: BridgeProcess;

  before(async function () {
    server = await startEjabberd({
      edit: (config) => {
        const acl = config.acl as Record<string, { user: string[] }>;
        acl.admin?.user.push(CAROL_JID);
      },
    });
    await server.register(CAROL, HOST, 'carol-1');
    redis = await startRedis();
    const config = bridgeConfig(server, {
      api: [
        { path: 'register', module: 'register', key: KEY },
        { path: 'admin', module: 'admin', allowed_commands: ['check_account', 'change_password'] },
      ],
      limits: {
        store: redis.url,
        failed_logins: { per_account: { max: 5, window_seconds: 900 }, per_client: { max: 6, window_seconds: 900 }, server_guard: 'off' },
      },
    });
    [one, two] = await Promise.all([startBridgeProcess(config), startBridgeProcess(config)]);
    await Promise.all([one.waitForLog('limits store up'), two.waitForLog('limits store up')]);
  });

  after(async function () {
    await one?.stop();
    await two?.stop();
    await redis?.close();
    await server?.stop();
  });

  const newUser = (password?: string) => newUserOn(server, 'shared', password);
  const asAdmin = () => basic(server.adminJid, server.adminPassword);

  it('holds a per_account limit spent through one instance on the other, with the true Retry-After', async function () {
    const victim = await newUser();
    for (let i = 0; i < 5; i += 1) expect((await changePassword(one, victim, `wrong${i}`)).status).to.equal(403);
    const limited = await changePassword(two, victim, 'right');
    expect(limited.status).to.equal(429);
    expect(limited.json).to.deep.include({ error: 'too_many_requests' });
    expect(Number(limited.headers.get('retry-after'))).to.be.greaterThan(800).and.at.most(900);
    expect((await changePassword(one, victim, 'right')).status).to.equal(429);
    // Other accounts are not affected, on either instance.
    expect((await changePassword(two, await newUser(), 'right')).json).to.equal('ok');
  });

  it('holds a per_client limit on wrong Basic logins across instances', async function () {
    const from = (b: BridgeProcess, address: string, headers: Record<string, string>) =>
      postFrom(address, `${b.url}/admin`, { command: 'check_account', args: ['admin', HOST] }, headers);
    for (let i = 0; i < 6; i += 1) {
      const reply = await from(i % 2 === 0 ? one : two, '127.0.0.5', basic(`nobody${i}@${HOST}`, 'guess'));
      expect(reply.status).to.equal(401);
    }
    for (const b of [one, two]) {
      const limited = await from(b, '127.0.0.5', asAdmin());
      expect(limited.status).to.equal(429);
      expect(Number(limited.headers.get('retry-after'))).to.be.greaterThan(800).and.at.most(900);
    }
    expect((await from(two, '127.0.0.6', asAdmin())).status).to.equal(200);
  });

  it("stops accepting a Basic credential one instance remembers once its password is changed through the other's admin change_password", async function () {
    const old = basic(CAROL_JID, 'carol-1');
    expect((await adminCheck(two, old)).status).to.equal(200);
    const since = Date.now();
    const changed = await one.post('/api/admin', { command: 'change_password', args: [CAROL, HOST, 'carol-2'] }, asAdmin());
    expect(changed.json).to.equal('ok');
    await two.waitForLog('verified credentials revoked', (line) => line.account === CAROL_JID && loggedSince(since)(line));
    expect((await adminCheck(two, old)).status).to.equal(401);
    expect((await adminCheck(two, basic(CAROL_JID, 'carol-2'))).status).to.equal(200);
  });

  it('stops accepting a remembered Basic credential once it is refused on the other instance', async function () {
    const remembered = basic(CAROL_JID, 'carol-2');
    expect((await adminCheck(two, remembered)).status).to.equal(200);
    // Changed behind the bridge's back: two still remembers the old password as good.
    expect((await server.ctl(['change_password', CAROL, HOST, 'carol-3'])).code).to.equal(0);
    expect((await adminCheck(two, remembered)).status).to.equal(200);
    const since = Date.now();
    expect((await adminCheck(one, remembered)).status).to.equal(401);
    await two.waitForLog('verified credentials revoked', (line) => line.account === CAROL_JID && loggedSince(since)(line));
    expect((await adminCheck(two, remembered)).status).to.equal(401);
  });

  it('answers 503 to password checks and on /ready while Redis is down, registers meanwhile, and recovers', async function () {
    // Remembered by two before the outage: even so it is not trusted while revocations may go unheard.
    expect((await adminCheck(two, asAdmin())).status).to.equal(200);
    const user = await newUser();
    const since = Date.now();
    await redis.stop();
    const downs = await Promise.all([one, two].map((b) => b.waitForLog('limits store down', loggedSince(since))));
    expect((await one.get('/ready')).status).to.equal(503);
    expect((await two.get('/ready')).status).to.equal(503);
    const checked = await changePassword(one, user, 'right');
    expect(checked.status).to.equal(503);
    expect(checked.json).to.deep.include({ error: 'service_unavailable' });
    expect((await adminCheck(two, asAdmin())).status).to.equal(503);
    const registered = await two.post('/api/register/register', { key: KEY, username: uniqueName('shared'), host: HOST, password: 'pw' });
    expect(registered.json).to.equal('ok');

    await redis.start();
    await Promise.all([one, two].map((b, i) => b.waitForLog('limits store up', loggedSince(Number(downs[i]?.time)))));
    expect((await one.get('/ready')).status).to.equal(200);
    expect((await two.get('/ready')).status).to.equal(200);
    expect((await changePassword(one, user, 'right')).json).to.equal('ok');
    expect((await adminCheck(two, asAdmin())).status).to.equal(200);
  });

  it('logged the outage once each way, and no error', function () {
    for (const b of [one, two]) {
      const lines = b.output.map((line) => JSON.parse(line) as { level: number; msg: string });
      expect(lines.filter((l) => l.msg === 'limits store down')).to.have.length(1);
      expect(lines.filter((l) => l.msg === 'limits store up')).to.have.length(2);
      expect(lines.filter((l) => l.level >= 50)).to.deep.equal([]);
    }
  });
});
