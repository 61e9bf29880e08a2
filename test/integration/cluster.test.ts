// A real two-node ejabberd cluster (test/support/ejabberd-cluster.ts) behind
// two bridge processes, each with sessions on both nodes and the nodes in
// opposite orders. What one bridge does is seen at once through the other,
// a name asked for through both is registered once, and when a node dies the
// bridge answers through the other within one request timeout, losing
// nothing it answered "ok" and having done nothing it answered 503.
// (failover.test.ts covers the failover mechanics with two independent
// servers; existence.test.ts existence with mod_last off on one server.)
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { ThrowawayEjabberd } from '../harness/ejabberd.js';
import { LoginRefused } from '../../src/contract/xmpp-failures.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { startEjabberdCluster, type EjabberdCluster } from '../support/ejabberd-cluster.js';
import { asUser, beamPid, bridgeConfig, KEY, uniqueName } from '../support/fixtures.js';
import { isAlive, portAccepts } from '../harness/local.js';

const HOST = 'localhost';
const REQUEST_TIMEOUT_MS = 2000;
/** Per bridge: session i starts on the i-th node of its list (mod 2). */
const SESSIONS = 4;
/** Requests at once. */
const BATCH = 20;

describe('a two-node ejabberd cluster behind two bridges', function () {
  this.timeout(60_000);
  let cluster: EjabberdCluster;
  let node1: ThrowawayEjabberd;
  let node2: ThrowawayEjabberd;
  /** xmpp.service [node 1, node 2]. */
  let bridge1: BridgeProcess;
  /** xmpp.service [node 2, node 1]. */
  let bridge2: BridgeProcess;

  before(async function () {
    this.timeout(180_000);
    cluster = await startEjabberdCluster({
      // ejabberd caches passwords per node and tells the other nodes to drop
      // theirs asynchronously: with the cache, a login on node 2 right after
      // a change through node 1 took the old password (15 of 100). What
      // docs/deploy.md asks of a cluster.
      edit: (config) => void (config.auth_use_cache = false),
    });
    [node1, node2] = cluster.nodes as [ThrowawayEjabberd, ThrowawayEjabberd];
    const start = (services: string[]) => {
      const config = bridgeConfig(node1);
      return startBridgeProcess({
        ...config,
        xmpp: {
          ...(config.xmpp as Record<string, unknown>),
          service: services,
          sessions: SESSIONS,
          request_timeout_ms: REQUEST_TIMEOUT_MS,
          reconnect: { initial_delay_ms: 100, max_delay_ms: 1000 },
        },
        log: { level: 'info' },
      });
    };
    [bridge1, bridge2] = await Promise.all([start([node1.service, node2.service]), start([node2.service, node1.service])]);
    for (const b of [bridge1, bridge2]) await b.waitForLog('xmpp session up', () => upLines(b).length >= SESSIONS);
  });
  after(async function () {
    this.timeout(60_000);
    await Promise.all([bridge1?.stop(), bridge2?.stop()]);
    if (!cluster) return;
    const pids = cluster.nodes.map((node) => {
      try {
        return beamPid(node);
      } catch {
        return undefined;
      }
    });
    await cluster.stop();
    // Nothing left: no VM (an unreaped zombie at most), no temp dir, no epmd.
    expect(pids.filter((pid) => pid !== undefined && isAlive(pid)), 'VMs still running').to.deep.equal([]);
    expect(cluster.nodes.filter((node) => existsSync(node.dir)).map((node) => node.dir), 'temp dirs left').to.deep.equal([]);
    expect(await portAccepts(cluster.epmdPort), 'epmd still accepting').to.equal(false);
  });

  const upLines = (b: BridgeProcess) =>
    b.output.filter((l) => l.includes('"msg":"xmpp session up"')).map((l) => JSON.parse(l) as { service: string });
  /** Sessions up on [node 1, node 2], from /metrics. */
  const upByService = async (b: BridgeProcess) => {
    const metrics = (await b.get('/metrics')).text;
    const value = (service: string) =>
      Number(
        new RegExp(`^ejabberd_restful_xmpp_sessions_up_by_service\\{service="${service.replace(/[/.]/g, '\\$&')}"\\} (\\d+)$`, 'm').exec(
          metrics,
        )?.[1],
      );
    return [value(node1.service), value(node2.service)];
  };
  const post = (b: BridgeProcess, path: string, body: Record<string, unknown>) =>
    b.post(`/api/register/${path}`, { key: KEY, host: HOST, ...body });
  const register = (b: BridgeProcess, username: string, password = 'pw') => post(b, 'register', { username, password });
  const isRegistered = async (b: BridgeProcess, username: string) =>
    (await b.get(`/api/register/is_registered?key=${KEY}&username=${encodeURIComponent(username)}&host=${HOST}`)).json;
  /** Runs work(0) … work(n - 1), BATCH at a time. */
  const inBatches = async <T>(n: number, work: (i: number) => Promise<T>): Promise<T[]> => {
    const out: T[] = [];
    for (let i = 0; i < n; i += BATCH) {
      out.push(...(await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => work(i + j)))));
    }
    return out;
  };
  /** Whether this node takes the login (the test's own connection). */
  const canLogIn = async (node: ThrowawayEjabberd, username: string, password: string) => {
    try {
      await asUser(node.service, { username, domain: HOST, password });
      return true;
    } catch (error) {
      if (error instanceof LoginRefused) return false;
      throw error;
    }
  };
  /** No check missed a fresh account (the bridge asks "absent" once more, after the time a node takes to apply it). */
  const expectNoneMissed = (missed: string[], tries: number) => {
    expect(missed, `not seen at once, of ${tries}`).to.deep.equal([]);
  };
  const withoutModLast = async (work: () => Promise<void>) => {
    const saved: unknown[] = [];
    await Promise.all(
      cluster.nodes.map((node, i) =>
        node.reconfigure((config) => {
          const modules = config.modules as Record<string, unknown>;
          saved[i] = modules.mod_last;
          delete modules.mod_last;
        }),
      ),
    );
    try {
      await work();
    } finally {
      await Promise.all(
        cluster.nodes.map((node, i) => node.reconfigure((config) => void ((config.modules as Record<string, unknown>).mod_last = saved[i]))),
      );
    }
  };

  it('is one cluster, and each bridge has half its sessions on each node', async function () {
    for (const node of [node1, node2]) expect((await cluster.members(node)).sort()).to.deep.equal([node1.node, node2.node].sort());
    for (const b of [bridge1, bridge2]) expect(await upByService(b)).to.deep.equal([SESSIONS / 2, SESSIONS / 2]);
  });

  // mnesia applies a commit on the other nodes just after the registering
  // node answers: a check sent within ~4 ms of the answer may still find no
  // account there (seen 2-4 times in 1,000 checks sent at once over XMPP;
  // docs/deploy.md). The bridge asks "absent" once more, 25 ms later.
  it('sees an account registered through one bridge through the other at once (200 tries, 0 misses)', async function () {
    const outcomes = await inBatches(200, async () => {
      const username = uniqueName('seen');
      const registered = await register(bridge1, username);
      return { username, registered: registered.json, seen: await isRegistered(bridge2, username) };
    });
    expect(outcomes.filter((o) => o.registered !== 'ok')).to.deep.equal([]);
    expectNoneMissed(outcomes.filter((o) => o.seen !== true).map((o) => o.username), outcomes.length);
  });

  // ejabberd caches mod_last records per node and tells the other nodes to
  // drop theirs asynchronously: read each account through both bridges
  // first, so that both nodes hold a record to drop.
  it('sees an account removed through one bridge as absent at once through the other (200 tries, 0 misses)', async function () {
    const names = await inBatches(200, async () => {
      const username = uniqueName('gone');
      expect((await register(bridge2, username)).json).to.equal('ok');
      return username;
    });
    for (const b of [bridge1, bridge2]) {
      const seen = await inBatches(names.length, (i) => isRegistered(b, names[i] as string));
      expect(seen.filter((s) => s !== true)).to.deep.equal([]);
    }
    const outcomes = await inBatches(names.length, async (i) => {
      const username = names[i] as string;
      const removed = await post(bridge1, 'unregister', { username, password: 'pw' });
      return { username, removed: removed.json, seen: await isRegistered(bridge2, username) };
    });
    expect(outcomes.filter((o) => o.removed !== 'ok')).to.deep.equal([]);
    expect(outcomes.filter((o) => o.seen !== false)).to.deep.equal([]);
  });

  /**
   * `check`'s answer, asked once more 50 ms later if it is not `settled` yet:
   * a node applies another node's password change a few ms after it was
   * answered (mnesia), like a registration.
   */
  const eventually = async (check: () => Promise<boolean>, settled: boolean): Promise<boolean> => {
    if ((await check()) === settled) return settled;
    await new Promise((resolve) => setTimeout(resolve, 50));
    return check();
  };

  it('changes a password through one bridge, then every node takes only the new one; removes through the other', async function () {
    const results = await inBatches(BATCH, async () => {
      const username = uniqueName('pass');
      return [
        (await register(bridge1, username, 'old')).json,
        (await post(bridge2, 'change_password', { username, old_password: 'old', new_password: 'new' })).json,
        await eventually(() => canLogIn(node1, username, 'new'), true),
        await eventually(() => canLogIn(node2, username, 'new'), true),
        await eventually(() => canLogIn(node1, username, 'old'), false),
        await eventually(() => canLogIn(node2, username, 'old'), false),
        (await post(bridge1, 'unregister', { username, password: 'new' })).json,
        await isRegistered(bridge2, username),
        await isRegistered(bridge1, username),
        (await post(bridge2, 'change_password', { username, old_password: 'new', new_password: 'x' })).status,
      ];
    });
    const expected = ['ok', 'ok', true, true, false, false, 'ok', false, false, 404];
    expect(results).to.deep.equal(results.map(() => expected));
  });

  it('registers a name asked for through both bridges at once exactly once (50 times)', async function () {
    const outcomes = await inBatches(50, async () => {
      const username = uniqueName('race');
      const replies = await Promise.all([register(bridge1, username), register(bridge2, username)]);
      return replies.map((r) => `${r.status} ${r.text}`).sort();
    });
    expect(outcomes).to.deep.equal(outcomes.map(() => ['200 "ok"', '409 {"error":"exists"}']));
  });

  // Without mod_last anywhere, every check reads "Never" and the headline
  // probe decides, on whichever node the check's session is: right after a
  // registration or removal on the other node too.
  it('tells accounts created and removed without mod_last through either bridge: the probe decides every check', async function () {
    const made = [uniqueName('nolast'), uniqueName('nolast')];
    await withoutModLast(async () => {
      for (const username of made) await node1.register(username, HOST, 'pw');
      const known = await inBatches(BATCH, (i) => isRegistered(i % 2 === 0 ? bridge1 : bridge2, made[i % 2] as string));
      expect(known).to.deep.equal(known.map(() => true));

      const names = await inBatches(200, async () => {
        const username = uniqueName('nolast');
        expect((await register(bridge1, username)).json).to.equal('ok');
        return { username, seen: await isRegistered(bridge2, username) };
      });
      expectNoneMissed(names.filter((n) => n.seen !== true).map((n) => n.username), names.length);
      const removed = await inBatches(names.length, async (i) => {
        const { username } = names[i] as { username: string };
        return [(await post(bridge2, 'unregister', { username, password: 'pw' })).json, await isRegistered(bridge1, username)];
      });
      expect(removed).to.deep.equal(removed.map(() => ['ok', false]));
    });
    // mod_last was off indeed: back on, neither node has a record of those accounts.
    for (const node of [node1, node2]) expect((await node.ctl(['get_last', made[0] as string, HOST])).stdout).to.contain('NOT FOUND');
  });

  it('keeps answering through node 2 when node 1 stops under load: nothing answered ok lost, nothing answered 503 done', async function () {
    interface Attempt {
      username: string;
      startedAt: number;
      ms: number;
      status: number;
      text: string;
    }
    const attempts: Attempt[] = [];
    const readiness: number[] = [];
    let running = true;
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const registering = async () => {
      while (running) {
        const username = uniqueName('cut');
        const startedAt = performance.now();
        const reply = await register(bridge1, username);
        attempts.push({ username, startedAt, ms: performance.now() - startedAt, status: reply.status, text: reply.text });
      }
    };
    const watchingReady = async () => {
      while (running) {
        readiness.push((await bridge1.get('/ready')).status);
        await pause(20);
      }
    };
    const load = [...Array.from({ length: 8 }, registering), watchingReady()];
    try {
      // Under way on both nodes first.
      while (attempts.filter((a) => a.status === 200).length < 100) await pause(10);
      const killedAt = performance.now();
      // Stopped, not killed -9: a registration node 1 answered just before a
      // kill -9 can be missing from node 2 afterwards (seen 2 in ~300, once in
      // ~10 runs): node 1 had not passed it on. The bridge cannot see that;
      // test/integration/honest-outcomes.test.ts kills -9 a single node.
      const stopped = node1.ctl(['stop']);
      // Bridge 1's sessions on node 1 go down and come back up on node 2 ...
      const b = bridge1;
      await b.waitForLog('xmpp session up', () => upLines(b).length >= SESSIONS + SESSIONS / 2);
      // ... and it goes on serving.
      const moved = attempts.length;
      while (attempts.length < moved + 200) await pause(10);
      running = false;
      await Promise.all(load);
      expect((await stopped).code).to.equal(0);

      const stored = await node2.ctl(['registered_users', HOST]);
      expect(stored.code, stored.stdout + stored.stderr).to.equal(0);
      const users = new Set(stored.stdout.split('\n'));
      const after = attempts.filter((a) => a.startedAt >= killedAt);
      const outcome = (a: Attempt) => `${a.status} ${a.status === 200 ? a.text : (JSON.parse(a.text) as { error: string }).error}`;
      const tally = (list: Attempt[]) => list.reduce<Record<string, number>>((t, a) => ({ ...t, [outcome(a)]: (t[outcome(a)] ?? 0) + 1 }), {});
      const summary =
        `${attempts.length} registrations ${JSON.stringify(tally(attempts))}; ${after.length} sent after the kill ` +
        `${JSON.stringify(tally(after))}, the slowest answered in ${Math.round(Math.max(...after.map((a) => a.ms)))} ms; ` +
        `504s stored: ${attempts.filter((a) => a.status === 504 && users.has(a.username)).length}`;
      console.log(`      ${summary}`);

      expect(after.length, summary).to.be.greaterThan(200);
      // Within one request timeout (plus the HTTP round trip on a busy machine).
      expect(after.filter((a) => a.ms > REQUEST_TIMEOUT_MS + 250), summary).to.deep.equal([]);
      // ok, 503 (nothing done) or 504 (outcome unknown: sent when the node died); nothing else.
      expect(attempts.filter((a) => !['200 "ok"', '503 service_unavailable', '504 timeout'].includes(outcome(a))), summary).to.deep.equal([]);
      // Once the sessions have moved, all is well again.
      expect(attempts.slice(-100).filter((a) => a.status !== 200), summary).to.deep.equal([]);
      expect(readiness.filter((s) => s !== 200), summary).to.deep.equal([]);
      expect(await upByService(bridge1)).to.deep.equal([0, SESSIONS]);
      expect(attempts.filter((a) => a.status === 200 && !users.has(a.username)), 'answered ok, not stored').to.deep.equal([]);
      expect(attempts.filter((a) => a.status === 503 && users.has(a.username)), 'answered 503, stored').to.deep.equal([]);
    } finally {
      running = false;
      await Promise.allSettled(load);
    }
  });
});
