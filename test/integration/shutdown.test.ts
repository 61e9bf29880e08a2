// Graceful shutdown: on SIGTERM the bridge stops accepting connections, lets
// requests in flight finish, closes its XMPP sessions and exits 0; at the end
// of the grace period it ends what is left, and callers still get an answer.
import { once } from 'node:events';
import net from 'node:net';
import { expect } from 'chai';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { SessionUnavailable } from '../../src/contract/xmpp-failures.js';
import { Connector } from '../../src/xmpp/connector.js';
import { withUserSession } from '../../src/xmpp/login.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { beamPid, bridgeConfig, KEY, thaw, uniqueName } from '../support/fixtures.js';

const HOST = 'localhost';

const REGISTER_IQ = 'query jabber:iq:register';
const isRegisterIq = (line: string) => line.includes('"msg":"xmpp request"') && line.includes(`"payload":"${REGISTER_IQ}"`);

/** Resolves once the bridge has logged more than `count` register IQs going out. */
function registerIqsAfter(bridge: BridgeProcess, count: number) {
  return bridge.waitForLog('xmpp request', () => bridge.output.filter(isRegisterIq).length > count);
}

/** 'refused' when nothing accepts a new TCP connection on the port any more. */
function connectOutcome(origin: string): Promise<'connected' | 'refused'> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', () => resolve('refused'));
  });
}

describe('graceful shutdown', function () {
  let server: ThrowawayEjabberd;
  let bridge: BridgeProcess | undefined;

  before(async function () {
    server = await startEjabberd();
  });

  afterEach(async function () {
    thaw(server);
    await bridge?.stop();
    bridge = undefined;
  });

  after(async function () {
    await server?.stop();
  });

  /** Freezes ejabberd with a register request in flight; resolves once it is, with the pending reply. */
  async function requestInFlight(b: BridgeProcess, username: string) {
    process.kill(beamPid(server), 'SIGSTOP');
    await b.logSettled();
    const before = b.output.filter(isRegisterIq).length;
    const pending = b.post('/api/register/register', { key: KEY, username, host: HOST, password: 'pw' });
    await registerIqsAfter(b, before);
    // Wrapped: returning the promise itself would make the caller await the reply.
    return { pending };
  }

  it('answers a request in flight when SIGTERM arrives, accepts no new connection, and exits 0', async function () {
    bridge = await startBridgeProcess(bridgeConfig(server, { shutdown: { grace_period_ms: 600_000 } }));
    const username = uniqueName('inflight');
    const { pending } = await requestInFlight(bridge, username);

    bridge.child.kill('SIGTERM');
    await bridge.waitForLog('shutting down');
    expect(await connectOutcome(bridge.origin)).to.equal('refused');

    process.kill(beamPid(server), 'SIGCONT');
    const reply = await pending;
    expect(reply.status).to.equal(200);
    expect(reply.text).to.equal('"ok"');
    expect(reply.headers.get('connection')).to.equal('close');
    expect(await bridge.exited).to.equal(0);
    expect((await server.ctl(['check_account', username, HOST])).code).to.equal(0);
    const said = bridge.output.join('\n');
    expect(said).to.include('"msg":"stopped"');
    expect(said).to.not.include('grace period over');
  });

  it('ends requests still in flight when the grace period is over: the caller gets 504 (sent, outcome unknown), the bridge exits 0', async function () {
    bridge = await startBridgeProcess(
      bridgeConfig(server, {
        shutdown: { grace_period_ms: 200 },
        // Only the shutdown can end this request within the test's time.
        xmpp: { service: server.service, jid: server.adminJid, password: server.adminPassword, request_timeout_ms: 600_000 },
      }),
    );
    const { pending } = await requestInFlight(bridge, uniqueName('cut'));

    bridge.child.kill('SIGTERM');
    const reply = await pending;
    // The registration had been sent: the server may still carry it out.
    expect(reply.status).to.equal(504);
    expect(reply.json).to.deep.include({ error: 'timeout' });
    expect(await bridge.exited).to.equal(0);
    expect(bridge.output.join('\n')).to.include('grace period over');
  });

  it('exits 0 on SIGINT too', async function () {
    bridge = await startBridgeProcess(bridgeConfig(server));
    expect((await bridge.get('/ready')).status).to.equal(200);
    bridge.child.kill('SIGINT');
    expect(await bridge.exited).to.equal(0);
    expect(bridge.output.join('\n')).to.include('"signal":"SIGINT"');
  });

  it('ends a login at once when the bridge closes all connections, even while the server is silent', async function () {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as net.AddressInfo;
    // Without closeAll this login would end at its deadline, far beyond the test's timeout.
    const connector = new Connector({ services: [`xmpp://127.0.0.1:${port}`], timeoutMs: 600_000 });
    try {
      const session = withUserSession(
        connector,
        { username: 'user', domain: HOST, password: 'pw' },
        () => Promise.resolve('never reached'),
        { requestTimeoutMs: 600_000 },
      );
      await once(silent, 'connection');
      void connector.closeAll('the bridge is shutting down');
      const outcome = await session.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(outcome).to.be.instanceOf(SessionUnavailable);
      expect((outcome as Error).message).to.match(/shutting down/);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
