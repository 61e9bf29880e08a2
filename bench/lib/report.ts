// Turns measurements into medians per group, ratios per repetition (to K,
// the bare Koa app, first), the targets and the tables printed.
import type { BenchFlags, Mix, Op, Storage, System } from './flags.js';
import { ownCpuUsPerOp, type Measurement } from './measure.js';
import { median, round } from './stats.js';

type Figures = Omit<Measurement, 'storage' | 'op' | 'system' | 'level' | 'rep' | 'firstErrors' | 'sessions' | 'attempts'> & { reps: number };

export interface Ratio {
  perRep: number[];
  median: number;
}

export interface GroupSummary {
  storage: Storage;
  op: Op | Mix;
  level: number;
  /** Medians over the repetitions, per system. */
  systems: Partial<Record<System, Figures>>;
  /**
   * Per repetition (measured back to back) and their median:
   * "A/B", "A/C", "A/B1", "A/Cbasic": ops/s of A over the other's;
   * "cpu A/K": the bridge's CPU per request over K's;
   * "p50 A/K": A's p50 over K's;
   * "added p50/K": (A's p50 - B's p50) over K's p50;
   * "floor/K": (K's CPU + B's) per request over K's: what the bridge would
   *   cost with no work of its own, the HTTP part (K) and the XMPP part (B,
   *   the load generator's CPU while it is the bare client) added up.
   */
  ratios: Record<string, Ratio>;
  /** A's p50 minus B's p50, per repetition and their median (ms). */
  addedP50Ms?: Ratio;
}

const NUMERIC = [
  'ops', 'errors', 'seconds', 'opsPerSec', 'p50Ms', 'p99Ms', 'meanMs', 'bridgeCpuUsPerOp', 'koaCpuUsPerOp', 'beamCpuUsPerOp',
  'loadgenCpuUsPerOp', 'machineBusyPercent', 'othersBusyPercent', 'bridgeRssMB',
] as const;

export function summarize(measurements: Measurement[]): GroupSummary[] {
  const groups = new Map<string, Measurement[]>();
  for (const m of measurements) {
    const key = `${m.storage}|${m.op}|${m.level}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const out: GroupSummary[] = [];
  for (const ms of groups.values()) {
    const first = ms[0] as Measurement;
    const bySystem = new Map<System, Measurement[]>();
    for (const m of ms) bySystem.set(m.system, [...(bySystem.get(m.system) ?? []), m]);
    const systems: GroupSummary['systems'] = {};
    for (const [system, runs] of bySystem) {
      const entry: Record<string, number> = { reps: runs.length };
      for (const field of NUMERIC) entry[field] = round(median(runs.map((r) => r[field])), field === 'opsPerSec' || field.endsWith('PerOp') ? 1 : 3);
      entry.errors = runs.reduce((sum, r) => sum + r.errors, 0);
      systems[system] = entry as Figures;
    }
    const perRep = (a: System, other: System, f: (am: Measurement, om: Measurement) => number): number[] =>
      (bySystem.get(a) ?? []).flatMap((am) => {
        const om = (bySystem.get(other) ?? []).find((x) => x.rep === am.rep);
        return om ? [round(f(am, om), 3)] : [];
      });
    const ratios: GroupSummary['ratios'] = {};
    const put = (name: string, values: number[]) => {
      if (values.length > 0) ratios[name] = { perRep: values, median: round(median(values), 3) };
    };
    put('cpu A/K', perRep('A', 'K', (a, k) => ownCpuUsPerOp(a) / ownCpuUsPerOp(k)));
    put('p50 A/K', perRep('A', 'K', (a, k) => a.p50Ms / k.p50Ms));
    put('floor/K', perRep('B', 'K', (b, k) => (ownCpuUsPerOp(k) + ownCpuUsPerOp(b)) / ownCpuUsPerOp(k)));
    for (const other of ['B', 'C', 'B1', 'Cbasic'] as const) put(`A/${other}`, perRep('A', other, (a, o) => a.opsPerSec / o.opsPerSec));
    const added = perRep('A', 'B', (a, b) => a.p50Ms - b.p50Ms);
    // (A - B) over K, each of the three from the same repetition.
    const addedOverK = (bySystem.get('A') ?? []).flatMap((am) => {
      const b = bySystem.get('B')?.find((x) => x.rep === am.rep);
      const k = bySystem.get('K')?.find((x) => x.rep === am.rep);
      return b && k ? [round((am.p50Ms - b.p50Ms) / k.p50Ms, 3)] : [];
    });
    put('added p50/K', addedOverK);
    out.push({
      storage: first.storage,
      op: first.op,
      level: first.level,
      systems,
      ratios,
      ...(added.length > 0 ? { addedP50Ms: { perRep: added, median: round(median(added), 3) } } : {}),
    });
  }
  return out;
}

export interface TargetCheck {
  target: string;
  value: number | null;
  met: boolean | null;
}

/** Issue 17's targets, where this run measured them (reported, not asserted). */
export function checkTargets(summary: GroupSummary[], flags: BenchFlags): TargetCheck[] {
  const find = (storage: Storage, op: Op, level: number) => summary.find((g) => g.storage === storage && g.op === op && g.level === level);
  const checks: TargetCheck[] = [];
  const add = (target: string, value: number | undefined, ok: (v: number) => boolean) => {
    const v = value === undefined || !Number.isFinite(value) ? null : round(value, 3);
    checks.push({ target, value: v, met: v === null ? null : ok(v) });
  };
  const top = flags.top;
  for (const storage of ['plain', 'scram'] as const) {
    add(`bridge CPU per registration / K's, ${storage}, ${top} in flight <= 2`, find(storage, 'register', top)?.ratios['cpu A/K']?.median, (v) => v <= 2);
  }
  for (const storage of ['plain', 'scram'] as const) {
    add(`added p50 (A - B) / K's p50, register ${storage}, 1 in flight <= 2`, find(storage, 'register', 1)?.ratios['added p50/K']?.median, (v) => v <= 2);
  }
  for (const storage of ['plain', 'scram'] as const) {
    const one = find(storage, 'register', 1)?.systems.A?.bridgeCpuUsPerOp;
    const many = find(storage, 'register', top)?.systems.A?.bridgeCpuUsPerOp;
    add(`bridge CPU per registration at 1 in flight / at ${top}, ${storage} <= 2`, one !== undefined && many !== undefined ? one / many : undefined, (v) => v <= 2);
  }
  add(`register SCRAM ${top} in flight: A/C >= 1.0`, find('scram', 'register', top)?.ratios['A/C']?.median, (v) => v >= 1);
  add(`register plain ${top} in flight: A/B >= 0.85`, find('plain', 'register', top)?.ratios['A/B']?.median, (v) => v >= 0.85);
  for (const storage of ['plain', 'scram'] as const) {
    add(`bridge CPU per is_registered / K's, ${storage}, ${top} in flight <= 2`, find(storage, 'is_registered', top)?.ratios['cpu A/K']?.median, (v) => v <= 2);
  }
  return checks.filter((c) => c.value !== null);
}

const fmt = (x: number | undefined, d = 0) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
const ratioCell = (r: Ratio | undefined, d = 2) => (r ? fmt(r.median, d) : '-');

/** The tables docs/performance.md shows, ratios first. */
export function summaryTables(summary: GroupSummary[], targets: TargetCheck[], flags: BenchFlags): string {
  const lines: string[] = [];
  const ops = summary.filter((g) => g.op !== 'change_password');
  lines.push(
    '',
    `Medians over ${flags.reps} repetition(s); ratios are medians of per-repetition ratios (systems measured back to back).`,
    'K = bare Koa app (same stack, answers at once), A = bridge, B = bare XMPP client on the same sessions, ' +
      'B1 = one session, C = ejabberd mod_http_api. B µs/op: the CPU of the bare client (the XMPP part of a request alone); ' +
      '(K+B)/K: the bridge\'s floor, a Koa request and an XMPP request with nothing in between.',
    '',
    '### Against K (the bridge\'s own cost)',
    '',
    '| operation | storage | in flight | bridge µs/op | K µs/op | B µs/op | **bridge CPU / K** | (K+B) / K | A p50 ms | K p50 ms | A−B p50 ms | **(A−B) / K p50** |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const g of ops) {
    const a = g.systems.A;
    const k = g.systems.K;
    lines.push(
      `| ${g.op} | ${g.storage} | ${g.level} | ${fmt(a?.bridgeCpuUsPerOp)} | ${fmt(k?.koaCpuUsPerOp)} | ${fmt(g.systems.B?.loadgenCpuUsPerOp)} | ` +
        `**${ratioCell(g.ratios['cpu A/K'])}** | ${ratioCell(g.ratios['floor/K'])} | ` +
        `${fmt(a?.p50Ms, 2)} | ${fmt(k?.p50Ms, 2)} | ${g.addedP50Ms ? fmt(g.addedP50Ms.median, 2) : '-'} | **${ratioCell(g.ratios['added p50/K'])}** |`,
    );
  }
  lines.push(
    '',
    '### Throughput against the bare client and mod_http_api',
    '',
    '| operation | storage | in flight | K ops/s | A ops/s | B ops/s | C ops/s | **A/B** | **A/C** | A/B1 | A p99 ms | beam µs/op A / B / C | loadgen µs/op (A) | bridge RSS MB | others % (max) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const g of ops) {
    const s = g.systems;
    const others = Math.max(...Object.values(s).map((m) => m.othersBusyPercent));
    lines.push(
      `| ${g.op} | ${g.storage} | ${g.level} | ${fmt(s.K?.opsPerSec)} | ${fmt(s.A?.opsPerSec)} | ${fmt(s.B?.opsPerSec)} | ${fmt(s.C?.opsPerSec)} | ` +
        `**${ratioCell(g.ratios['A/B'])}** | **${ratioCell(g.ratios['A/C'])}** | ${ratioCell(g.ratios['A/B1'])} | ${fmt(s.A?.p99Ms, 1)} | ` +
        `${fmt(s.A?.beamCpuUsPerOp)} / ${fmt(s.B?.beamCpuUsPerOp)} / ${fmt(s.C?.beamCpuUsPerOp)} | ${fmt(s.A?.loadgenCpuUsPerOp)} | ${fmt(s.A?.bridgeRssMB)} | ${fmt(others)} |`,
    );
  }
  for (const g of summary.filter((x) => x.op === 'change_password')) {
    const a = g.systems.A;
    lines.push(
      '',
      `change_password (${g.storage}, ${g.level} in flight, bridge only): ${fmt(a?.opsPerSec)}/s, p50 ${fmt(a?.p50Ms, 1)} ms, ` +
        `bridge ${fmt(a?.bridgeCpuUsPerOp)} µs/op, ejabberd ${fmt(a?.beamCpuUsPerOp)} µs/op`,
    );
  }
  lines.push('', 'Per repetition:', '');
  for (const g of ops) {
    const r = (k: string) => g.ratios[k]?.perRep.map((v) => v.toFixed(2)).join(' ') ?? '-';
    lines.push(`- ${g.op} ${g.storage} ${g.level}: cpu A/K ${r('cpu A/K')}; (A−B)/K p50 ${r('added p50/K')}; (K+B)/K ${r('floor/K')}; A/B ${r('A/B')}; A/C ${r('A/C')}`);
  }
  lines.push('', "Issue 17's targets (reported, not asserted):", '');
  for (const t of targets) lines.push(`- ${t.met ? 'met' : '**missed**'}: ${t.target}: ${t.value}`);
  return `${lines.join('\n')}\n`;
}
