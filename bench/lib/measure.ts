// One measurement: a fixed number of operations at a fixed number in flight,
// with the CPU of every process involved read from /proc before and after.
import { performance } from 'node:perf_hooks';
import type { Mix, Op, Storage, System } from './flags.js';
import { cpuBetween, machineBusyNs, readCpu, rssBytes, type CpuReading } from './proc.js';
import { percentile, round } from './stats.js';

export interface Measurement {
  storage: Storage;
  op: Op | Mix;
  system: System;
  /** XMPP sessions behind the system (A: per bridge; K and C: none). */
  sessions: number | null;
  level: number;
  rep: number;
  ops: number;
  errors: number;
  firstErrors: string[];
  seconds: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** CPU of the bridge process(es) per operation; in other systems' runs it is the idle bridge's. */
  bridgeCpuUsPerOp: number;
  /** CPU of the bare Koa process (K) per operation; in other systems' runs it is the idle K's. */
  koaCpuUsPerOp: number;
  /** CPU of ejabberd's Erlang VM (beam.smp) per operation. */
  beamCpuUsPerOp: number;
  /** This process's own CPU (process.cpuUsage) per operation. */
  loadgenCpuUsPerOp: number;
  /** Share of all cores (nproc) busy with the bridge, K, ejabberd and the load generator together. */
  machineBusyPercent: number;
  /** Share of all cores busy with anything else (other processes on the machine): high values spoil the figures. */
  othersBusyPercent: number;
  bridgeRssMB: number;
  /** How many times it was measured (--wait-quiet repeats noisy measurements); absent: once. */
  attempts?: number;
}

/**
 * The CPU per operation of the process doing `m.system`'s own work: the
 * bridge (A), the bare Koa app (K, Kd), or the load generator while it is
 * the bare XMPP client (B, B1). C's work is ejabberd's (beamCpuUsPerOp):
 * no process of its own, NaN here.
 */
export function ownCpuUsPerOp(m: Pick<Measurement, 'system' | 'bridgeCpuUsPerOp' | 'koaCpuUsPerOp' | 'loadgenCpuUsPerOp'>): number {
  switch (m.system) {
    case 'A':
      return m.bridgeCpuUsPerOp;
    case 'K':
    case 'Kd':
      return m.koaCpuUsPerOp;
    case 'B':
    case 'B1':
      return m.loadgenCpuUsPerOp;
    default:
      return Number.NaN;
  }
}

/** The processes whose CPU a measurement reads. */
export interface Processes {
  storage: Storage;
  bridgePids: number[];
  koaPid: number | undefined;
  beamPid: number;
  nproc: number;
}

export interface Labels {
  op: Op | Mix;
  system: System;
  sessions: number | null;
  level: number;
  rep: number;
}

const cpuOf = (pids: number[]): CpuReading[] => pids.map((pid) => readCpu(pid));
const cpuSinceNs = (pids: number[], before: CpuReading[]): number =>
  pids.reduce((sum, pid, i) => sum + cpuBetween(before[i] as CpuReading, readCpu(pid)), 0);

/**
 * Runs `total` operations, `labels.level` at a time, cut short after
 * `maxSeconds` once twice the level are done; `quiet` leaves out the
 * progress line (warm-ups).
 */
export async function measure(
  procs: Processes,
  labels: Labels,
  total: number,
  operation: (i: number) => Promise<void>,
  options: { maxSeconds: number; quiet?: boolean },
): Promise<Measurement> {
  const latencies = new Float64Array(total);
  const firstErrors: string[] = [];
  let errors = 0;
  let next = 0;
  const koaPids = procs.koaPid === undefined ? [] : [procs.koaPid];
  const bridgeBefore = cpuOf(procs.bridgePids);
  const koaBefore = cpuOf(koaPids);
  const beamBefore = readCpu(procs.beamPid);
  const machineBefore = machineBusyNs();
  const selfBefore = process.cpuUsage();
  const started = performance.now();
  const cutOffAt = started + options.maxSeconds * 1000;
  const minimum = Math.min(total, Math.max(2 * labels.level, 20));
  const more = () => next < total && (next < minimum || performance.now() < cutOffAt);
  await Promise.all(
    Array.from({ length: Math.min(labels.level, total) }, async () => {
      while (more()) {
        const i = next++;
        const t0 = performance.now();
        try {
          await operation(i);
        } catch (error) {
          errors += 1;
          if (firstErrors.length < 3) firstErrors.push((error as Error).message);
        }
        latencies[i] = performance.now() - t0;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const self = process.cpuUsage(selfBefore);
  const bridgeNs = cpuSinceNs(procs.bridgePids, bridgeBefore);
  const koaNs = cpuSinceNs(koaPids, koaBefore);
  const beamNs = cpuBetween(beamBefore, readCpu(procs.beamPid));
  const machineNs = machineBusyNs() - machineBefore;
  const selfNs = (self.user + self.system) * 1000;
  const done = next;
  const sorted = latencies.subarray(0, done).sort();
  const allCores = seconds * 1e9 * procs.nproc;
  const ours = bridgeNs + koaNs + beamNs + selfNs;
  const m: Measurement = {
    storage: procs.storage,
    ...labels,
    ops: done,
    errors,
    firstErrors,
    seconds: round(seconds, 3),
    opsPerSec: round(done / seconds, 1),
    p50Ms: round(percentile(sorted, 50), 3),
    p99Ms: round(percentile(sorted, 99), 3),
    meanMs: round(sorted.reduce((a, b) => a + b, 0) / done, 3),
    bridgeCpuUsPerOp: round(bridgeNs / 1000 / done, 1),
    koaCpuUsPerOp: round(koaNs / 1000 / done, 1),
    beamCpuUsPerOp: round(beamNs / 1000 / done, 1),
    loadgenCpuUsPerOp: round(selfNs / 1000 / done, 1),
    machineBusyPercent: round((100 * ours) / allCores, 1),
    // /proc/stat counts in 10 ms ticks: meaningless for very short measurements, hence the clamp.
    othersBusyPercent: round(Math.min(100, Math.max(0, (100 * (machineNs - ours)) / allCores)), 1),
    bridgeRssMB: round(procs.bridgePids.reduce((sum, pid) => sum + rssBytes(pid), 0) / 2 ** 20, 1),
  };
  if (!options.quiet) {
    const note = errors > 0 ? `  ${errors} FAILED: ${firstErrors[0]}` : '';
    const front = m.system === 'K' || m.system === 'Kd' ? `koa ${m.koaCpuUsPerOp}` : `bridge ${m.bridgeCpuUsPerOp}`;
    process.stderr.write(
      `  ${m.storage} ${m.op} ${m.system} ${m.level} in flight rep ${m.rep}: ${m.opsPerSec.toFixed(0)}/s p50 ${m.p50Ms} ms p99 ${m.p99Ms} ms, ` +
        `${front} µs/op, beam ${m.beamCpuUsPerOp} µs/op, loadgen ${m.loadgenCpuUsPerOp} µs/op, others ${m.othersBusyPercent} %${note}\n`,
    );
  }
  return m;
}

/** What the bridge(s), K and ejabberd use doing nothing (timers, keepalives, schedulers spinning), in % of one core. */
export interface IdleCpu {
  seconds: number;
  bridgeCpuPercentOfCore: number;
  koaCpuPercentOfCore: number;
  beamCpuPercentOfCore: number;
}

export async function idleCpu(procs: Processes, seconds: number): Promise<IdleCpu> {
  const koaPids = procs.koaPid === undefined ? [] : [procs.koaPid];
  const bridgeBefore = cpuOf(procs.bridgePids);
  const koaBefore = cpuOf(koaPids);
  const beamBefore = readCpu(procs.beamPid);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const ofCore = (ns: number) => round((100 * ns) / (seconds * 1e9), 2);
  const result = {
    seconds,
    bridgeCpuPercentOfCore: ofCore(cpuSinceNs(procs.bridgePids, bridgeBefore)),
    koaCpuPercentOfCore: ofCore(cpuSinceNs(koaPids, koaBefore)),
    beamCpuPercentOfCore: ofCore(cpuBetween(beamBefore, readCpu(procs.beamPid))),
  };
  process.stderr.write(
    `  idle for ${seconds} s: bridge ${result.bridgeCpuPercentOfCore} % of a core, K ${result.koaCpuPercentOfCore} %, beam ${result.beamCpuPercentOfCore} %\n`,
  );
  return result;
}

/** Waits until the machine's busy share stays under 25 % for 3 samples of 2 s, or `seconds` pass. */
export async function waitQuiet(seconds: number, nproc: number): Promise<{ waitedSeconds: number; lastBusyPercent: number }> {
  const deadline = Date.now() + seconds * 1000;
  const begin = Date.now();
  let quiet = 0;
  let busy = 100;
  while (quiet < 3 && Date.now() < deadline) {
    const before = machineBusyNs();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    busy = round((100 * (machineBusyNs() - before)) / (2e9 * nproc), 1);
    quiet = busy < 25 ? quiet + 1 : 0;
    process.stderr.write(`  machine ${busy} % busy${quiet > 0 ? ` (quiet ${quiet}/3)` : ''}\n`);
  }
  if (quiet < 3) process.stderr.write(`  still busy after ${seconds} s: measuring anyway\n`);
  return { waitedSeconds: round((Date.now() - begin) / 1000, 1), lastBusyPercent: busy };
}

/** Measurements during which other processes used more than this share of the machine are noisy. */
export const NOISY_PERCENT = 15;

/**
 * With a quiet wait (--wait-quiet S): a measurement during which other
 * processes used more than NOISY_PERCENT of the machine is measured again (at
 * most twice) once the machine is quiet; the one kept says how many tries it took.
 */
export async function gated(
  quietWait: number | undefined,
  nproc: number,
  measureOnce: (attempt: number) => Promise<Measurement>,
): Promise<Measurement> {
  let m = await measureOnce(0);
  for (let attempt = 1; quietWait !== undefined && m.othersBusyPercent > NOISY_PERCENT && attempt <= 2; attempt += 1) {
    process.stderr.write(`  others used ${m.othersBusyPercent} % of the machine: measuring again once it is quiet\n`);
    await waitQuiet(quietWait, nproc);
    m = { ...(await measureOnce(attempt)), attempts: attempt + 1 };
  }
  return m;
}
