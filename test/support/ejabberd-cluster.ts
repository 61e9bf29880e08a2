// A throwaway ejabberd cluster (two nodes by default) on one machine, for
// tests: the recipe verified in XMPP-FACTS ("ejabberd cluster on one
// machine"). A private epmd on a free loopback port (not the machine's
// 4369), every node registered there with the same cookie and a
// distribution port of its own, the first node's accounts (the bridge's
// admin) replicated to the others by `join_cluster`. Every node serves the
// same hosts with ejabberd.yml.example, on ports of its own. stop() removes
// everything, epmd included.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { startEjabberd, type StartEjabberdOptions, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { freePort, portAccepts } from '../harness/local.js';

const EPMD = '/usr/bin/epmd';
const EPMD_READY_MS = 5_000;

export interface EjabberdCluster {
  /** nodes[0] is the one the others joined. */
  nodes: ThrowawayEjabberd[];
  /** Port of the cluster's private epmd on 127.0.0.1. */
  epmdPort: number;
  /** Same on every node. */
  hosts: string[];
  adminJid: string;
  adminPassword: string;
  /** The nodes `list_cluster` on `from` (default the first) reports. */
  members(from?: ThrowawayEjabberd): Promise<string[]>;
  /** Stops every node, then the epmd; removes every temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface StartClusterOptions extends Pick<StartEjabberdOptions, 'hosts' | 'adminPassword' | 'edit' | 'log'> {
  /** Number of nodes; default 2. */
  size?: number;
}

export async function startEjabberdCluster(opts: StartClusterOptions = {}): Promise<EjabberdCluster> {
  const size = opts.size ?? 2;
  if (size < 2) throw new Error('a cluster has at least two nodes');
  const log = opts.log ?? (() => {});
  const adminPassword = opts.adminPassword ?? randomBytes(12).toString('hex');
  const cookie = randomBytes(16).toString('hex');
  const tag = randomBytes(3).toString('hex');
  const epmd = await startEpmd(log);
  const nodes: ThrowawayEjabberd[] = [];

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Each node's stop() waits for its VM to be gone, so epmd is free to go last.
      const results = await Promise.allSettled(nodes.map((node) => node.stop()));
      await epmd.stop();
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    })();
    return stopping;
  };

  try {
    const start = (index: number) =>
      startEjabberd({
        hosts: opts.hosts,
        adminPassword,
        edit: opts.edit,
        log,
        node: `ej${index + 1}c${tag}@localhost`,
        cookie,
        epmdPort: epmd.port,
        // The joining nodes get admin (and every account) from the first.
        registerAdmin: index === 0,
      }).then((node) => {
        nodes[index] = node;
        return node;
      });
    const [first, ...others] = await settleAll(Array.from({ length: size }, (_, i) => start(i)));
    if (!first) throw new Error('no first node');
    for (const node of others) {
      // Stops ejabberd on the node, copies the first node's database, starts it again; returns when done.
      const joined = await node.ctl(['join_cluster', first.node]);
      if (joined.code !== 0) {
        throw new Error(`join_cluster ${first.node} on ${node.node} exited ${joined.code}: ${(joined.stdout + joined.stderr).trim()}`);
      }
      await node.waitReady();
      log(`ejabberd cluster: ${node.node} joined ${first.node}`);
    }
    const cluster: EjabberdCluster = {
      nodes: [first, ...others],
      epmdPort: epmd.port,
      hosts: first.hosts,
      adminJid: first.adminJid,
      adminPassword,
      async members(from = first) {
        const r = await from.ctl(['list_cluster']);
        if (r.code !== 0) throw new Error(`list_cluster on ${from.node} exited ${r.code}: ${(r.stdout + r.stderr).trim()}`);
        return r.stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '');
      },
      stop,
    };
    const members = await cluster.members();
    const expected = cluster.nodes.map((n) => n.node);
    if (!expected.every((name) => members.includes(name))) {
      throw new Error(`the cluster has ${members.join(', ')}, not every node of ${expected.join(', ')}`);
    }
    return cluster;
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** Like Promise.all, but waits for every promise to settle first (so the cleanup sees every node started). */
async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

interface Epmd {
  port: number;
  stop(): Promise<void>;
}

/**
 * epmd on 127.0.0.1 and a free port, as a child process of ours (what
 * `epmd -daemon` would be, but with a pid to end it by: `epmd -kill`
 * refuses while a node is registered, and a daemon outlives a crashed test).
 */
async function startEpmd(log: (line: string) => void): Promise<Epmd> {
  const port = await freePort();
  const child = spawn(EPMD, ['-port', String(port), '-address', '127.0.0.1'], {
    stdio: 'ignore',
    // Its own process group: a Ctrl-C to the test run must not end it before the nodes.
    detached: true,
  });
  child.unref();
  liveEpmds.add(child);
  installExitHook();
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // Referenced again, so the process waits for (and reaps) it.
      child.ref();
      child.kill('SIGTERM');
      await exited;
    }
    liveEpmds.delete(child);
    log(`ejabberd cluster: epmd on 127.0.0.1:${port} stopped`);
  };
  const deadline = Date.now() + EPMD_READY_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      liveEpmds.delete(child);
      throw new Error(`epmd on 127.0.0.1:${port} exited at start (${child.exitCode ?? child.signalCode})`);
    }
    if (await portAccepts(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`epmd does not accept on 127.0.0.1:${port} after ${EPMD_READY_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  log(`ejabberd cluster: epmd on 127.0.0.1:${port}`);
  return { port, stop };
}

// A test run that ends without stop() (crash, Ctrl-C) must not leave an epmd
// behind; test/harness/ejabberd.ts ends the nodes the same way.
const liveEpmds = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveEpmds) child.kill('SIGKILL');
  });
}
