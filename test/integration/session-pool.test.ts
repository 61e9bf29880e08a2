// The pool of the bridge's own sessions against real ejabberd: every session
// has its own resource, requests spread over them, one that drops takes only
// its own requests with it, all down answers 503 at once, and they come back.
import { expect } from 'chai';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { beamPid, bridgeConfig, KEY, uniqueName } from '../support/fixtures.js';

const HOST = 'localhost';
const SESSIONS = 3;

/** Full JIDs the bridge logged in with, in log order. */
const upJids = (bridge: BridgeProcess) =>
  bridge.output
    .filter((l) => l.includes('"msg":"xmpp session up"'))
    .map((l) => String((JSON.parse(l) as { jid: unknown }).jid));
const resourceOf = (jid: string) => jid.slice(jid.indexOf('/') + 1);

describe('pool of XMPP sessions', function () {
  let server: ThrowawayEjabberd;
  let bridge: BridgeProcess;

  before(async function () {
    server = await startEjabberd();
    const config = bridgeConfig(server);
    bridge = await startBridgeProcess({ ...config, xmpp: { ...(config.xmpp as Record<string, unknown>), sessions: SESSIONS } });
    const b = bridge;
    await b.waitForLog('xmpp session up', () => upJids(b).length >= SESSIONS);
  });
  after(async function () {
    await bridge?.stop();
    await server?.stop();
  });

  const register = () => bridge.post('/api/register/register', { key: KEY, username: uniqueName('pool'), host: HOST, password: 'pw' });
  const sessionsUp = async () => {
    const metrics = (await bridge.get('/metrics')).text;
    return Number(/^ejabberd_restful_xmpp_sessions_up (\d+)$/m.exec(metrics)?.[1]);
  };

  it('opens xmpp.sessions sessions, each with its own resource, all seen by the server', async function () {
    const resources = upJids(bridge).map(resourceOf);
    expect(new Set(resources).size).to.equal(SESSIONS);
    const listed = await server.ctl(['user_resources', 'admin', HOST]);
    expect(listed.stdout.split('\n').filter((r) => r !== '').sort()).to.deep.equal([...resources].sort());
    expect(await sessionsUp()).to.equal(SESSIONS);
    expect((await bridge.get('/ready')).json).to.deep.equal({ status: 'ready', xmpp_sessions: { up: SESSIONS, of: SESSIONS, by_node: [SESSIONS] } });
  });

  it('spreads concurrent requests over the sessions', async function () {
    await bridge.logSettled();
    const before = bridge.output.length;
    const replies = await Promise.all(Array.from({ length: 30 }, register));
    expect(replies.map((r) => r.json)).to.deep.equal(replies.map(() => 'ok'));
    await bridge.logSettled();
    const used = new Set(
      bridge.output
        .slice(before)
        .filter((l) => l.includes('"msg":"xmpp request"'))
        .map((l) => (JSON.parse(l) as { session: unknown }).session),
    );
    expect(used.size).to.equal(SESSIONS);
  });

  it('keeps serving when one session is ended, which then comes back by itself', async function () {
    const b = bridge;
    const [first] = upJids(b);
    const kicked = await server.ctl(['kick_session', 'admin', HOST, resourceOf(first as string), 'test']);
    expect(kicked.code, kicked.stdout + kicked.stderr).to.equal(0);
    await b.waitForLog('xmpp session down');
    // The others serve at once: every request succeeds, none waits for the reconnect.
    const replies = await Promise.all(Array.from({ length: 10 }, register));
    expect(replies.map((r) => r.json)).to.deep.equal(replies.map(() => 'ok'));
    expect((await b.get('/ready')).status).to.equal(200);
    await b.waitForLog('xmpp session up', () => upJids(b).length >= SESSIONS + 1);
    expect(await sessionsUp()).to.equal(SESSIONS);
  });

  it('answers 503 at once when no session is up, and recovers', async function () {
    const config = bridgeConfig(server);
    const b = await startBridgeProcess({
      ...config,
      xmpp: { ...(config.xmpp as Record<string, unknown>), sessions: SESSIONS, request_timeout_ms: 1000, keepalive: { idle_ms: 200, timeout_ms: 300 } },
    });
    const pid = beamPid(server);
    try {
      await b.waitForLog('xmpp session up', () => upJids(b).length >= SESSIONS);
      const downs = () => b.output.filter((l) => l.includes('"msg":"xmpp session down"')).length;
      // A frozen server: every session's ping goes unanswered, and no reconnect can complete.
      process.kill(pid, 'SIGSTOP');
      await b.waitForLog('xmpp session down', () => downs() >= SESSIONS);
      const refused = await b.post('/api/register/register', { key: KEY, username: uniqueName('pool'), host: HOST, password: 'pw' });
      expect(refused.status).to.equal(503);
      expect((await b.get('/ready')).status).to.equal(503);
      process.kill(pid, 'SIGCONT');
      await b.waitForLog('xmpp session up', () => upJids(b).length >= 2 * SESSIONS);
      const reply = await b.post('/api/register/register', { key: KEY, username: uniqueName('pool'), host: HOST, password: 'pw' });
      expect(reply.json).to.equal('ok');
    } finally {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone
      }
      await b.stop();
    }
  });
});
