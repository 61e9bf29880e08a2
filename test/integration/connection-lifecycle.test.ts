// The connection lifecycle against real faults: connections reset while the
// stream opens, a server that pings (and kills sessions that do not answer),
// IQs addressed to the bridge, a server that goes silent, requests that stop
// being answered. The bridge process must never die and must recover.
import { expect } from 'chai';
import { xml } from '@xmpp/client-core';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { Connector } from '../../src/xmpp/connector.js';
import { StanzaFailure } from '../../src/contract/xmpp-failures.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { beamPid, bridgeConfig, KEY, thaw, uniqueName } from '../support/fixtures.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const HOST = 'localhost';

const count = (bridge: BridgeProcess, msg: string) => bridge.output.filter((l) => l.includes(`"msg":"${msg}"`)).length;
const alive = (bridge: BridgeProcess) => bridge.child.exitCode === null && bridge.child.signalCode === null;
/** What the last-resort guard logs: must never be needed. */
const BUG = /unhandled promise rejection|uncaught exception|MaxListenersExceededWarning/;

describe('connection lifecycle', function () {
  let server: ThrowawayEjabberd;
  let bridge: BridgeProcess | undefined;
  let proxy: TcpProxy | undefined;

  afterEach(async function () {
    thaw(server);
    await bridge?.stop();
    await proxy?.close();
    bridge = undefined;
    proxy = undefined;
  });

  describe('with the example config', function () {
    before(async function () {
      server = await startEjabberd();
    });
    after(async function () {
      await server?.stop();
    });

    const register = (b: BridgeProcess) =>
      b.post('/api/register/register', { key: KEY, username: uniqueName('life'), host: HOST, password: 'pw' });

    it('stays up when connections are reset while the stream opens, and connects once they are not', async function () {
      proxy = await startTcpProxy(server.c2sPort, 'reset');
      const p = proxy;
      const config = bridgeConfig(server);
      bridge = await startBridgeProcess(
        { ...config, xmpp: { ...(config.xmpp as Record<string, unknown>), service: p.service } },
        { waitForXmpp: false },
      );
      const b = bridge;
      await b.waitForLog('xmpp session failed to start', () => count(b, 'xmpp session failed to start') >= 3);
      expect(alive(b)).to.equal(true);
      expect((await register(b)).status).to.equal(503);
      p.mode = 'pipe';
      await b.waitForLog('xmpp session up');
      expect((await register(b)).json).to.equal('ok');

      // User logins reset too, a dozen at once: each answers 503 (nothing was done), the process lives on.
      p.mode = 'reset';
      const users = await Promise.all(
        Array.from({ length: 12 }, async () => {
          const username = uniqueName('life');
          await server.register(username, HOST, 'right');
          return username;
        }),
      );
      const replies = await Promise.all(
        users.map((username) =>
          b.post('/api/register/change_password', { key: KEY, username, host: HOST, old_password: 'right', new_password: 'n' }),
        ),
      );
      expect(replies.map((r) => r.status)).to.deep.equal(users.map(() => 503));
      expect(alive(b)).to.equal(true);
      await b.logSettled();
      expect(b.output.join('\n')).to.not.match(BUG);
      // The admin session was never touched: it still serves.
      expect((await register(b)).json).to.equal('ok');
    });

    it("answers a user's ping to the bridge and refuses other IQs with service-unavailable", async function () {
      bridge = await startBridgeProcess(bridgeConfig(server));
      const up = await bridge.waitForLog('xmpp session up');
      const bridgeJid = String(up.jid);
      const username = uniqueName('probe');
      await server.register(username, HOST, 'pw');
      const link = await new Connector({ services: [server.service], timeoutMs: 5000 }).open({ username, domain: HOST, password: 'pw' });
      try {
        const pong = await link.request(xml('iq', { type: 'get', to: bridgeJid }, xml('ping', { xmlns: 'urn:xmpp:ping' })), 5000);
        expect(pong.attrs.type).to.equal('result');
        const refused = await link
          .request(xml('iq', { type: 'get', to: bridgeJid }, xml('query', { xmlns: 'jabber:iq:version' })), 5000)
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        expect(refused).to.be.instanceOf(StanzaFailure);
        expect((refused as StanzaFailure).condition).to.equal('service-unavailable');
      } finally {
        await link.close('test over');
      }
      await bridge.logSettled();
      expect(count(bridge, 'xmpp session up')).to.equal(1);
    });

    it('notices a silent server with its own pings, says not ready, and reconnects once it answers', async function () {
      const config = bridgeConfig(server);
      bridge = await startBridgeProcess({
        ...config,
        xmpp: { ...(config.xmpp as Record<string, unknown>), request_timeout_ms: 1500, keepalive: { idle_ms: 200, timeout_ms: 400 } },
      });
      const b = bridge;
      process.kill(beamPid(server), 'SIGSTOP');
      const down = await b.waitForLog('xmpp session down');
      expect(String(down.reason)).to.match(/did not answer a ping within 400 ms/);
      expect((await b.get('/ready')).status).to.equal(503);
      process.kill(beamPid(server), 'SIGCONT');
      await b.waitForLog('xmpp session up', () => count(b, 'xmpp session up') >= 2);
      expect((await b.get('/ready')).status).to.equal(200);
      expect((await register(b)).json).to.equal('ok');
    });

    it('recycles the session after requests in a row get no answer', async function () {
      const config = bridgeConfig(server);
      bridge = await startBridgeProcess({
        ...config,
        xmpp: {
          ...(config.xmpp as Record<string, unknown>),
          request_timeout_ms: 300,
          keepalive: { idle_ms: 600_000, max_timeouts: 2 },
        },
      });
      const b = bridge;
      // The bridge's own listing of ad-hoc commands must not be the one left unanswered.
      await b.waitForLog('xmpp capabilities listed');
      process.kill(beamPid(server), 'SIGSTOP');
      expect((await register(b)).status).to.equal(504);
      expect((await register(b)).status).to.equal(504);
      const down = await b.waitForLog('xmpp session down');
      expect(String(down.reason)).to.match(/2 XMPP requests in a row got no answer/);
      process.kill(beamPid(server), 'SIGCONT');
      await b.waitForLog('xmpp session up', () => count(b, 'xmpp session up') >= 2);
      expect((await register(b)).json).to.equal('ok');
    });
  });

  describe('with ejabberd pinging and killing sessions that do not answer (mod_ping)', function () {
    before(async function () {
      server = await startEjabberd({
        edit: (config) => {
          const modules = config.modules as Record<string, unknown>;
          modules.mod_ping = { send_pings: true, ping_interval: 1, ping_ack_timeout: 1, timeout_action: 'kill' };
        },
      });
    });
    after(async function () {
      await server?.stop();
    });

    it("answers the server's pings, so the session is never killed", async function () {
      bridge = await startBridgeProcess(bridgeConfig(server));
      const b = bridge;
      await b.waitForLog('answered a ping from the XMPP server', () => count(b, 'answered a ping from the XMPP server') >= 3);
      await b.logSettled();
      expect(count(b, 'xmpp session down')).to.equal(0);
      expect(count(b, 'xmpp session up')).to.equal(1);
      const reply = await b.post('/api/register/register', { key: KEY, username: uniqueName('ping'), host: HOST, password: 'pw' });
      expect(reply.json).to.equal('ok');
    });
  });
});
