// Several XMPP services (the nodes of a cluster): the sessions spread over
// them, and when one node is gone the bridge keeps answering through the
// others, moving its sessions and user logins there. Two independent
// ejabberd instances stand in for the nodes here; the real two-node cluster
// is in cluster.test.ts.
import { expect } from 'chai';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { beamPid, bridgeConfig, KEY, uniqueName } from '../support/fixtures.js';

const HOST = 'localhost';
const PASSWORD = 'bridge-password-for-both-nodes';

describe('failover between XMPP services', function () {
  let node1: ThrowawayEjabberd;
  let node2: ThrowawayEjabberd;
  let bridge: BridgeProcess;

  before(async function () {
    [node1, node2] = await Promise.all([startEjabberd({ adminPassword: PASSWORD }), startEjabberd({ adminPassword: PASSWORD })]);
    const config = bridgeConfig(node1);
    bridge = await startBridgeProcess({
      ...config,
      xmpp: { ...(config.xmpp as Record<string, unknown>), service: [node1.service, node2.service], sessions: 2 },
    });
    const b = bridge;
    await b.waitForLog('xmpp session up', () => upLines(b).length >= 2);
  });
  after(async function () {
    await bridge?.stop();
    await Promise.all([node1?.stop(), node2?.stop()]);
  });

  const upLines = (b: BridgeProcess) =>
    b.output.filter((l) => l.includes('"msg":"xmpp session up"')).map((l) => JSON.parse(l) as { service: string });
  const upByService = async () => {
    const metrics = (await bridge.get('/metrics')).text;
    const value = (service: string) =>
      Number(new RegExp(`^ejabberd_restful_xmpp_sessions_up_by_service\\{service="${service.replace(/[/.]/g, '\\$&')}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    return [value(node1.service), value(node2.service)];
  };
  const register = () => bridge.post('/api/register/register', { key: KEY, username: uniqueName('fo'), host: HOST, password: 'pw' });

  it('spreads its sessions over the services', async function () {
    expect(upLines(bridge).map((l) => l.service).sort()).to.deep.equal([node1.service, node2.service].sort());
    expect(await upByService()).to.deep.equal([1, 1]);
  });

  it('keeps answering through the other node when one is killed, and moves its sessions there', async function () {
    const b = bridge;
    process.kill(beamPid(node1), 'SIGKILL');
    await b.waitForLog('xmpp session down');
    // The session on node 2 serves at once.
    const replies = await Promise.all(Array.from({ length: 10 }, register));
    expect(replies.map((r) => r.json)).to.deep.equal(replies.map(() => 'ok'));
    // The other session reconnects, to node 2.
    await b.waitForLog('xmpp session up', () => upLines(b).length >= 3);
    expect(upLines(b).at(-1)?.service).to.equal(node2.service);
    expect(await upByService()).to.deep.equal([0, 2]);
    expect((await b.get('/ready')).json).to.deep.include({ xmpp_sessions: { up: 2, of: 2, by_node: [0, 2] } });
    // User logins go to node 2 as well.
    const username = uniqueName('fo');
    await node2.register(username, HOST, 'right');
    const changed = await b.post('/api/register/change_password', { key: KEY, username, host: HOST, old_password: 'right', new_password: 'n' });
    expect(changed.json).to.equal('ok');
    expect((await b.get('/ready')).status).to.equal(200);
  });
});
