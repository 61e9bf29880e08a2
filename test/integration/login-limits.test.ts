// Wrong-password limits against a real ejabberd: they stop the attacker
// (per target account, per client address, optionally in all) and never the
// honest user with the right password.
import { expect } from 'chai';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { bridgeConfig, KEY, uniqueName } from '../support/fixtures.js';
import { adminCheck, basic, changePassword, newUser as newUserOn, postFrom } from '../support/http-clients.js';

const HOST = 'localhost';


describe('wrong-password limits', function () {
  let server: ThrowawayEjabberd;
  let bridge: BridgeProcess | undefined;

  before(async function () {
    server = await startEjabberd();
  });
  afterEach(async function () {
    await bridge?.stop();
    bridge = undefined;
  });
  after(async function () {
    await server?.stop();
  });

  const start = (limits: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    startBridgeProcess(
      bridgeConfig(server, {
        api: [
          { path: 'register', module: 'register', key: KEY },
          { path: 'admin', module: 'admin', allowed_commands: ['check_account'] },
        ],
        limits: { failed_logins: limits },
        ...extra,
      }),
    );
  const newUser = (password?: string) => newUserOn(server, 'lim', password);

  it("lets a correct change_password through after 12 wrong Basic logins and 10 wrong change_passwords for other accounts", async function () {
    const b = (bridge = await start({ server_guard: 'off' }));
    for (let i = 0; i < 12; i += 1) {
      // Names that do not even exist, as an attacker without a key would send.
      expect((await adminCheck(b, basic(`nobody${i}@${HOST}`, 'guess'))).status).to.equal(401);
    }
    const victims = [await newUser(), await newUser()];
    for (let i = 0; i < 10; i += 1) {
      expect([403, 429]).to.include((await changePassword(b, victims[i % 2] as string, `wrong${i}`)).status);
    }
    const honest = await newUser();
    expect((await changePassword(b, honest, 'right')).json).to.equal('ok');
    // The admin's own correct Basic login is still accepted from this address (12 < 20).
    expect((await adminCheck(b, basic(server.adminJid, server.adminPassword))).status).to.equal(200);
  });

  it('answers 403 for an old password SASLprep refuses (it cannot be anyone\'s), without a login', async function () {
    const b = (bridge = await start({ server_guard: 'off' }));
    const username = await newUser();
    // U+200E LEFT-TO-RIGHT MARK: prohibited by SASLprep (RFC 4013 §2.3), harmless in XML.
    const reply = await changePassword(b, username, 'right\u200e');
    expect(reply.status).to.equal(403);
    expect(reply.json).to.deep.equal({ error: 'not_allowed' });
    await b.logSettled();
    expect(b.output.join('\n')).to.not.include('"operation":"user login"');
    expect((await changePassword(b, username, 'right')).json).to.equal('ok');
  });

  it('answers 30 concurrent correct change_passwords all "ok"', async function () {
    const b = (bridge = await start({ server_guard: { max: 15, window_seconds: 3600 } }));
    const users = await Promise.all(Array.from({ length: 30 }, () => newUser()));
    const replies = await Promise.all(users.map((u) => changePassword(b, u, 'right')));
    expect(replies.map((r) => r.json)).to.deep.equal(users.map(() => 'ok'));
  });

  it('limits one account after per_account wrong passwords, counting unregister too, with the true Retry-After', async function () {
    const b = (bridge = await start({ per_account: { max: 5, window_seconds: 900 }, server_guard: 'off' }));
    const victim = await newUser();
    for (let i = 0; i < 3; i += 1) expect((await changePassword(b, victim, `wrong${i}`)).status).to.equal(403);
    for (let i = 0; i < 2; i += 1) {
      const reply = await b.post('/api/register/unregister', { key: KEY, username: victim, host: HOST, password: `wrong${i}` });
      expect(reply.status).to.equal(403);
    }
    // Even the right password now waits: the account is under attack.
    const limited = await b.post('/api/register/unregister', { key: KEY, username: victim, host: HOST, password: 'right' });
    expect(limited.status).to.equal(429);
    expect(limited.json).to.deep.include({ error: 'too_many_requests' });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).to.be.greaterThan(800).and.at.most(900);
    expect((await server.ctl(['check_account', victim, HOST])).code).to.equal(0);
    // Another account is not affected.
    expect((await changePassword(b, await newUser(), 'right')).json).to.equal('ok');
  });

  it('limits wrong Basic logins per client address; another address, and key holders, go on', async function () {
    const b = (bridge = await start({ per_client: { max: 20, window_seconds: 900 }, server_guard: 'off' }));
    for (let i = 0; i < 20; i += 1) {
      expect((await adminCheck(b, basic(`nobody${i}@${HOST}`, 'guess'))).status).to.equal(401);
    }
    const limited = await adminCheck(b, basic(server.adminJid, server.adminPassword));
    expect(limited.status).to.equal(429);
    expect(Number(limited.headers.get('retry-after'))).to.be.greaterThan(0).and.at.most(900);
    // X-Forwarded-For from an untrusted peer changes nothing.
    const forged = await adminCheck(b, { ...basic(server.adminJid, server.adminPassword), 'X-Forwarded-For': '203.0.113.7' });
    expect(forged.status).to.equal(429);
    const elsewhere = await postFrom('127.0.0.2', `${b.url}/admin`, { command: 'check_account', args: ['admin', HOST] }, basic(server.adminJid, server.adminPassword));
    expect(elsewhere.status).to.equal(200);
    expect((await changePassword(b, await newUser(), 'right')).json).to.equal('ok');
  });

  it('believes X-Forwarded-For only from trusted_proxies', async function () {
    const b = (bridge = await start({ per_client: { max: 3, window_seconds: 900 }, server_guard: 'off' }, { trusted_proxies: ['127.0.0.3'] }));
    const viaProxy = (forwardedFor: string, password: string) =>
      postFrom('127.0.0.3', `${b.url}/admin`, { command: 'check_account', args: ['admin', HOST] }, {
        ...basic(server.adminJid, password),
        'X-Forwarded-For': forwardedFor,
      });
    for (let i = 0; i < 3; i += 1) expect((await viaProxy('203.0.113.1', `wrong${i}`)).status).to.equal(401);
    expect((await viaProxy('203.0.113.1', server.adminPassword)).status).to.equal(429);
    expect((await viaProxy('203.0.113.2', server.adminPassword)).status).to.equal(200);
  });

  it('with the server guard on, says so at start-up and stops all password checks after max failures in all', async function () {
    const b = (bridge = await start({ server_guard: { max: 3, window_seconds: 3600 } }));
    expect(b.output.join('\n')).to.match(/server_guard is on/);
    for (let i = 0; i < 3; i += 1) expect((await changePassword(b, await newUser(), 'wrong')).status).to.equal(403);
    const limited = await changePassword(b, await newUser(), 'right');
    expect(limited.status).to.equal(429);
    expect((limited.json as { detail: string }).detail).to.match(/server_guard/);
    // Operations that check no password go on.
    const registered = await b.post('/api/register/register', { key: KEY, username: uniqueName('lim'), host: HOST, password: 'pw' });
    expect(registered.json).to.equal('ok');
  });
});
