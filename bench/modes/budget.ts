// --budget: the perf budget. Plain registrations at the top level (64): K, A
// and B back to back in each repetition (order rotating), then Kd; the ratio
// of the bridge's CPU per request to K's (the median of the bridge's figures
// over the median of K's, and per repetition), to Kd's, and to its floor
// K + B. test/perf/budget.test.ts (npm run test:perf) fails when the ratio
// to K exceeds 3.
import { opsFor, opsOf, type Storage, type System } from '../lib/flags.js';
import { measure, ownCpuUsPerOp, type Measurement } from '../lib/measure.js';
import { median, round, rotate } from '../lib/stats.js';
import { nameFactory, registerVia, stopSystems } from '../lib/systems.js';
import { systemsFor, type Run } from './run.js';

export interface BudgetResult {
  storage: Storage;
  level: number;
  /** The bridge's CPU per registration over K's, per repetition. */
  perRep: number[];
  /** The median of the bridge's CPU per registration over the median of K's. */
  ratio: number;
  /** The median of perRep. */
  median: number;
  /**
   * The bridge's median CPU per registration over Kd's: K answering, in each
   * repetition, after A's mean latency in it, so at A's rate with 64 in
   * flight. K alone answers ~10x faster than the bridge (which waits on
   * ejabberd) and so spreads each wake-up and system call over more
   * requests; Kd is the floor at the bridge's own rate.
   */
  waitingRatio: number;
  waitingPerRep: number[];
  /**
   * The bridge's median CPU per registration over its floor: K's median plus
   * B's (the bare XMPP client sending the same IQ, its CPU being the load
   * generator's while it runs): an HTTP request and an XMPP request with no
   * work in between. Where K and B alone add up to more than 2x K, so does
   * any bridge built from them.
   */
  floorRatio: number;
  floorPerRep: number[];
  /** (K + B) / K: the floor itself, in K's. */
  floorOverK: number;
  measurements: Measurement[];
}

export async function budget(run: Run): Promise<BudgetResult> {
  const { flags } = run;
  const storage = flags.storages[0] as Storage;
  const level = flags.top;
  const s = await systemsFor(run, storage);
  const name = nameFactory(run.runTag, storage);
  const measurements: Measurement[] = [];
  const total = Math.round(opsFor(flags, 'register', storage, level) * 0.4);
  const go = (system: System, rep: number, n: number, quiet = false, waitMs = 0) =>
    measure(s.procs, { op: 'register', system, sessions: system === 'A' ? flags.sessions : null, level, rep }, n, (i) =>
      registerVia(s, system, name(system, rep < 0 ? 'w' : rep, level, i), waitMs), { maxSeconds: flags.maxSeconds, quiet });
  try {
    run.progress('warming up');
    for (const system of ['A', 'K', 'B'] as const) {
      await go(system, -1, 6000, true);
    }
    for (let rep = 0; rep < flags.reps; rep += 1) {
      for (const system of rotate(['K', 'A', 'B'] as const, rep)) measurements.push(await go(system, rep, opsOf(system, total)));
      const a = measurements.find((m) => m.rep === rep && m.system === 'A') as Measurement;
      measurements.push(await go('Kd', rep, total, false, a.meanMs));
    }
  } finally {
    await stopSystems(s, run.progress);
  }
  const medianOf = (system: System) => median(measurements.filter((m) => m.system === system).map(ownCpuUsPerOp));
  const [bridge, koa, waiting, bare] = [medianOf('A'), medianOf('K'), medianOf('Kd'), medianOf('B')];
  /** Per repetition: the bridge's CPU over the sum of the floor systems' (K; Kd; K and B). */
  const perRepOver = (...floor: System[]) =>
    Array.from({ length: flags.reps }, (_, rep) => {
      const of = (system: System) => measurements.find((m) => m.rep === rep && m.system === system);
      const a = of('A');
      const under = floor.map(of);
      if (!a || under.some((m) => m === undefined)) return Number.NaN;
      return round(ownCpuUsPerOp(a) / under.reduce((sum, m) => sum + ownCpuUsPerOp(m as Measurement), 0), 3);
    });
  const perRep = perRepOver('K');
  const waitingPerRep = perRepOver('Kd');
  const floorPerRep = perRepOver('K', 'B');
  const result = {
    storage,
    level,
    perRep,
    ratio: round(bridge / koa, 3),
    median: round(median(perRep), 3),
    waitingRatio: round(bridge / waiting, 3),
    waitingPerRep,
    floorRatio: round(bridge / (koa + bare), 3),
    floorPerRep,
    floorOverK: round((koa + bare) / koa, 3),
    measurements,
  };
  process.stdout.write(
    `\nbridge CPU per ${storage} registration / K's at ${level} in flight: ${result.ratio} ` +
      `(medians: bridge ${round(bridge, 1)} µs, K ${round(koa, 1)} µs; per repetition: ${perRep.join(', ')})\n` +
      `bridge CPU / Kd's (K answering after A's mean latency, so at its rate): ${result.waitingRatio} ` +
      `(median Kd ${round(waiting, 1)} µs; per repetition: ${waitingPerRep.join(', ')})\n` +
      `bridge CPU / (K + B), the floor of an HTTP request plus an XMPP request: ${result.floorRatio} ` +
      `(median B ${round(bare, 1)} µs; the floor is ${result.floorOverK}x K; per repetition: ${floorPerRep.join(', ')})\n`,
  );
  return result;
}
