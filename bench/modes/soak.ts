// --soak: the bridge's RSS over many requests (registrations and
// is_registered alternating, top level, A only), sampled every 250 ms and
// summarized per 10k; with --heap-snapshots, V8 heap snapshots after 20k
// requests and at the end, compared by constructor.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Storage } from '../lib/flags.js';
import { growth, readCensus, takeSnapshot, type Growth } from '../lib/heap-snapshot.js';
import { measure } from '../lib/measure.js';
import { rssBytes } from '../lib/proc.js';
import { median, round } from '../lib/stats.js';
import { isRegisteredVia, nameFactory, registerVia, stopSystems } from '../lib/systems.js';
import { systemsFor, type Run } from './run.js';

interface SoakPoint {
  requests: number;
  /** RSS sampled every 250 ms during the chunk (garbage collection moves it), and at its end. */
  rssMinMB: number;
  rssMedianMB: number;
  rssMaxMB: number;
  rssEndMB: number;
  opsPerSec: number;
  bridgeCpuUsPerOp: number;
  othersBusyPercent: number;
}

/** The first requests, not judged: JIT, pools and the heap sizing itself. */
const WARM_UP_REQUESTS = 20_000;

export async function soak(run: Run) {
  const { flags } = run;
  const storage = flags.storages[0] as Storage;
  const top = flags.top;
  const total = flags.soakRequests;
  const chunk = Math.min(10_000, total);
  const heapDir = flags.heapSnapshots ? path.join(run.root, 'bench/results/heap', run.runTag) : undefined;
  if (heapDir) mkdirSync(heapDir, { recursive: true });
  const s = await systemsFor(run, storage, { koa: false, bare: false, ...(heapDir ? { heapSnapshotDir: heapDir } : {}) });
  const name = nameFactory(run.runTag, storage);
  const pids = s.procs.bridgePids;
  const points: SoakPoint[] = [];
  const snapshots: string[] = [];
  try {
    let done = 0;
    let chunkIndex = 0;
    while (done < total) {
      const n = Math.min(chunk, total - done);
      const base = done;
      const samples: number[] = [];
      const sampler = setInterval(() => samples.push(pids.reduce((sum, pid) => sum + rssBytes(pid), 0) / 2 ** 20), 250);
      // Even requests register a new account, odd ones ask whether the one before exists.
      const m = await measure(
        s.procs,
        { op: 'register+is_registered', system: 'A', sessions: flags.sessions, level: top, rep: chunkIndex },
        n,
        async (i) => {
          const k = base + i;
          if (k % 2 === 0) await registerVia(s, 'A', name('A', 's', top, k));
          else await isRegisteredVia(s, 'A', s.registered[s.registered.length - 1] ?? name('A', 's', top, k - 1));
        },
        { maxSeconds: flags.maxSeconds },
      );
      clearInterval(sampler);
      samples.push(m.bridgeRssMB);
      done += n;
      chunkIndex += 1;
      points.push({
        requests: done,
        rssMinMB: round(Math.min(...samples), 1),
        rssMedianMB: round(median(samples), 1),
        rssMaxMB: round(Math.max(...samples), 1),
        rssEndMB: m.bridgeRssMB,
        opsPerSec: m.opsPerSec,
        bridgeCpuUsPerOp: m.bridgeCpuUsPerOp,
        othersBusyPercent: m.othersBusyPercent,
      });
      if (m.errors > 0) process.stderr.write(`  ${m.errors} requests failed in this chunk\n`);
      // The soak keeps no list of accounts beyond the last one it asks about.
      s.unchanged.length = 0;
      s.registered.splice(0, Math.max(0, s.registered.length - 1));
      if (heapDir && (done === Math.min(WARM_UP_REQUESTS, total) || done === total)) {
        run.progress(`heap snapshot after ${done} requests`);
        snapshots.push(await takeSnapshot(pids[0] as number, heapDir, () => (s.bridgeHttp[0] as NonNullable<(typeof s.bridgeHttp)[0]>).get('/health')));
      }
    }
  } finally {
    await stopSystems(s, run.progress);
  }
  const after = points.filter((p) => p.requests > WARM_UP_REQUESTS);
  const first = after[0] ?? points[0];
  const last = points[points.length - 1];
  const change = (f: (p: SoakPoint) => number) => (first && last ? round((100 * (f(last) - f(first))) / f(first), 1) : null);
  // The spread of the floor (each chunk's minimum) after warm-up around its median: flat within ±10 % is the target.
  const floors = after.map((p) => p.rssMinMB);
  const floorMedian = median(floors);
  const spread = floors.length > 0 ? { lowPercent: round((100 * (Math.min(...floors) - floorMedian)) / floorMedian, 1), highPercent: round((100 * (Math.max(...floors) - floorMedian)) / floorMedian, 1) } : null;
  const changes = { end: change((p) => p.rssEndMB), median: change((p) => p.rssMedianMB), min: change((p) => p.rssMinMB) };
  let heap: { snapshots: string[]; totalMB: number[]; grew: Growth[] } | undefined;
  if (snapshots.length >= 2) {
    const [a, b] = await Promise.all([readCensus(snapshots[0] as string), readCensus(snapshots[snapshots.length - 1] as string)]);
    heap = { snapshots: snapshots.map((f) => path.relative(run.root, f)), totalMB: [round(a.totalBytes / 2 ** 20, 1), round(b.totalBytes / 2 ** 20, 1)], grew: growth(a, b) };
  }
  const lines = [
    '',
    `Bridge RSS under register + is_registered (${storage}, ${top} in flight), per ${chunk} requests (sampled every 250 ms):`,
    '',
    '| requests | RSS MB min / median / max | at the end | ops/s | bridge µs/op | others % |',
    '|---|---|---|---|---|---|',
    ...points.map(
      (p) =>
        `| ${p.requests} | ${p.rssMinMB.toFixed(1)} / ${p.rssMedianMB.toFixed(1)} / ${p.rssMaxMB.toFixed(1)} | ${p.rssEndMB.toFixed(1)} | ` +
        `${p.opsPerSec.toFixed(0)} | ${p.bridgeCpuUsPerOp.toFixed(1)} | ${p.othersBusyPercent} |`,
    ),
    '',
    `RSS change from ${first?.requests} to ${last?.requests} requests (after ${WARM_UP_REQUESTS} of warm-up; target: within ±10 %): ` +
      `${changes.median} % by the chunks' medians, ${changes.min} % by their minimums, ${changes.end} % at the ends; ` +
      `floor (each chunk's minimum) within ${spread?.lowPercent} / +${spread?.highPercent} % of its median`,
  ];
  if (heap) {
    lines.push(
      '',
      `V8 heap (live objects' self sizes): ${heap.totalMB[0]} MB after ${Math.min(WARM_UP_REQUESTS, total)} requests, ${heap.totalMB[1]} MB at ${total}; grew most:`,
      '',
      '| what (type:constructor) | count | self KB |',
      '|---|---|---|',
      ...heap.grew.map((g) => `| ${g.what} | ${g.countBefore} → ${g.countAfter} | ${round(g.bytesBefore / 1024)} → ${round(g.bytesAfter / 1024)} |`),
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
  return { storage, level: top, chunk, warmUpRequests: WARM_UP_REQUESTS, points, rssChangePercent: changes, floorSpreadPercent: spread, heap };
}
