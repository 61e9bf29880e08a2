// The bridge when the XMPP side fails: no server, a server that stops
// answering, a connection that drops mid-request, a session the server
// closes, and callers' wrong passwords that could get the bridge banned.
import net from 'node:net';
import { expect } from 'chai';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { freePort } from '../harness/local.js';
import { asUser, beamPid, bridgeConfig, KEY, thaw, uniqueName } from '../support/fixtures.js';

const HOST = 'localhost';
const registerBody = () => ({ key: KEY, username: uniqueName(), host: HOST, password: 'pw' });

/** Resolves with the number of "xmpp request" log lines once it exceeds `count`. */
function xmppRequestsAfter(bridge: BridgeProcess, count: number) {
  const seen = () => bridge.output.filter((l) => l.includes('"msg":"xmpp request"')).length;
  return bridge.waitForLog('xmpp request', () => seen() > count);
}

describe('faults on the XMPP side', function () {
  describe('without an XMPP server', function () {
    let bridge: BridgeProcess;
    after(async () => bridge?.stop());

    it('still serves HTTP and answers 503 service_unavailable at once', async function () {
      const port = await freePort();
      bridge = await startBridgeProcess(
        {
          xmpp: { service: `xmpp://127.0.0.1:${port}`, jid: 'admin@localhost', password: 'x' },
          hosts: [HOST],
          api: [{ path: 'register', module: 'register', key: KEY }],
        },
        { waitForXmpp: false },
      );
      const reply = await bridge.post('/api/register/register', registerBody());
      expect(reply.status).to.equal(503);
      const { error, detail } = reply.json as { error: string; detail: string };
      expect(error).to.equal('service_unavailable');
      expect(detail).to.match(/cannot connect to the XMPP server|not connected/);
    });
  });

  describe('with a server that accepts TCP but never speaks XMPP', function () {
    let bridge: BridgeProcess;
    let silent: net.Server;
    const accepted = new Set<net.Socket>();
    after(async () => {
      await bridge?.stop();
      // Never read from, they would not see the bridge's FIN and would keep mocha alive.
      for (const socket of accepted) socket.destroy();
      silent?.close();
    });

    it('gives up each connection attempt at the deadline and keeps answering 503', async function () {
      silent = net.createServer((socket) => accepted.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as net.AddressInfo;
      bridge = await startBridgeProcess(
        {
          xmpp: { service: `xmpp://127.0.0.1:${port}`, jid: 'admin@localhost', password: 'x', request_timeout_ms: 300 },
          hosts: [HOST],
          api: [{ path: 'register', module: 'register', key: KEY }],
        },
        { waitForXmpp: false },
      );
      const failed = await bridge.waitForLog('xmpp session failed to start');
      expect(String(failed.reason)).to.match(/within 300 ms/);
      const reply = await bridge.post('/api/register/register', registerBody());
      expect(reply.status).to.equal(503);
      expect((reply.json as { error: string }).error).to.equal('service_unavailable');
    });
  });

  describe('with an ejabberd that fails', function () {
    let server: ThrowawayEjabberd;
    let bridge: BridgeProcess;

    beforeEach(async function () {
      server = await startEjabberd();
      bridge = await startBridgeProcess(
        bridgeConfig(server, {
          xmpp: {
            service: server.service,
            jid: server.adminJid,
            password: server.adminPassword,
            request_timeout_ms: 1500,
            sessions: 1,
            reconnect: { initial_delay_ms: 100, max_delay_ms: 500 },
          },
        }),
      );
    });

    afterEach(async function () {
      thaw(server);
      await bridge?.stop();
      await server?.stop();
    });

    it('answers 504 timeout when the server stops answering, and recovers when it resumes', async function () {
      process.kill(beamPid(server), 'SIGSTOP');
      const body = registerBody();
      const reply = await bridge.post('/api/register/register', body);
      expect(reply.status).to.equal(504);
      expect((reply.json as { error: string }).error).to.equal('timeout');
      process.kill(beamPid(server), 'SIGCONT');
      const after = await bridge.post('/api/register/register', registerBody());
      expect(after.text).to.equal('"ok"');
    });

    it('ends requests in flight promptly with 504 (sent, outcome unknown) when the connection drops; then 503', async function () {
      // A deadline far beyond the test's own timeout: only the drop can end the request in time.
      await bridge.stop();
      bridge = await startBridgeProcess(
        bridgeConfig(server, {
          xmpp: { service: server.service, jid: server.adminJid, password: server.adminPassword, request_timeout_ms: 600_000 },
        }),
      );
      const pid = beamPid(server);
      process.kill(pid, 'SIGSTOP');
      await bridge.logSettled();
      const before = bridge.output.filter((l) => l.includes('"msg":"xmpp request"')).length;
      const pending = bridge.post('/api/register/register', registerBody());
      await xmppRequestsAfter(bridge, before);
      process.kill(pid, 'SIGKILL');
      const reply = await pending;
      // The registration had reached the server, which may have carried it out.
      expect(reply.status).to.equal(504);
      expect((reply.json as { error: string; detail: string }).error).to.equal('timeout');
      expect((reply.json as { detail: string }).detail).to.match(/outcome is unknown/);
      // Nothing can be sent any more: that is a 503.
      const next = await bridge.post('/api/register/register', registerBody());
      expect(next.status).to.equal(503);
    });

    it('reconnects by itself when the server closes its session', async function () {
      const ups = () => bridge.output.filter((l) => l.includes('"msg":"xmpp session up"')).length;
      expect(ups()).to.equal(1);
      const kicked = await server.ctl(['kick_session', 'admin', HOST, bridgeResource(bridge), 'test']);
      expect(kicked.code, kicked.stdout + kicked.stderr).to.equal(0);
      await bridge.waitForLog('xmpp session up', () => ups() >= 2);
      const reply = await bridge.post('/api/register/register', registerBody());
      expect(reply.text).to.equal('"ok"');
    });
  });

  describe('wrong passwords sent by callers', function () {
    let server: ThrowawayEjabberd;
    let bridge: BridgeProcess;
    before(async () => {
      server = await startEjabberd();
    });
    afterEach(async () => bridge?.stop());
    after(async () => server?.stop());

    it('limits wrong passwords per account, answering 429 with Retry-After', async function () {
      bridge = await startBridgeProcess(
        bridgeConfig(server, { limits: { failed_logins: { per_account: { max: 2, window_seconds: 600 }, server_guard: 'off' } } }),
      );
      const username = uniqueName();
      await server.register(username, HOST, 'right');
      const attempt = (old_password: string) =>
        bridge.post('/api/register/change_password', { key: KEY, username, host: HOST, old_password, new_password: 'n' });
      expect((await attempt('wrong1')).status).to.equal(403);
      expect((await attempt('wrong2')).status).to.equal(403);
      const capped = await attempt('wrong3');
      expect(capped.status).to.equal(429);
      expect((capped.json as { error: string }).error).to.equal('too_many_requests');
      expect(Number(capped.headers.get('retry-after'))).to.be.greaterThan(0);
      expect(Number(capped.headers.get('retry-after'))).to.be.at.most(600);
      // Operations that check no password go on, and so do other accounts' password checks.
      expect((await bridge.post('/api/register/register', registerBody())).text).to.equal('"ok"');
      const other = uniqueName();
      await server.register(other, HOST, 'right');
      const change = await bridge.post('/api/register/change_password', {
        key: KEY, username: other, host: HOST, old_password: 'right', new_password: 'n',
      });
      expect(change.text).to.equal('"ok"');
    });

    it('cannot get the bridge banned by ejabberd.yml.example (mod_fail2ban exempts it)', async function () {
      bridge = await startBridgeProcess(
        bridgeConfig(server, { limits: { failed_logins: { per_account: 'off', per_client: 'off', server_guard: 'off' } } }),
      );
      const username = uniqueName();
      await server.register(username, HOST, 'right');
      // More than mod_fail2ban's default of 20 failures per hour.
      for (let i = 0; i < 25; i += 1) {
        const reply = await bridge.post('/api/register/change_password', {
          key: KEY, username, host: HOST, old_password: `wrong${i}`, new_password: 'n',
        });
        expect(reply.status).to.equal(403);
      }
      // A new login from the same address still works: nothing was banned.
      await asUser(server.service, { username: 'admin', domain: HOST, password: server.adminPassword });
      const reply = await bridge.post('/api/register/change_password', {
        key: KEY, username, host: HOST, old_password: 'right', new_password: 'n',
      });
      expect(reply.text).to.equal('"ok"');
    });
  });
});

function bridgeResource(bridge: BridgeProcess): string {
  const up = bridge.output.find((l) => l.includes('"msg":"xmpp session up"'));
  const jid = (JSON.parse(up ?? '{}') as { jid?: string }).jid ?? '';
  return jid.split('/')[1] ?? '';
}
