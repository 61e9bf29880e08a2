// npm run bench [-- flags]: what the bridge costs, measured against a bare
// Koa app and against the same work without it. One run starts a throwaway
// ejabberd (test/harness/ejabberd.ts, ejabberd.yml.example) per password storage,
// the bridge as a real process and K, then, interleaved within each
// repetition (order rotated), measures
//   K  a bare Koa app: the bridge's HTTP stack answering at once (the floor),
//   A  the bridge over HTTP (keep-alive),
//   B  a bare XMPP client sending the same IQs over as many sessions as the
//      bridge's pool (B1: over one session, at the highest level),
//   C  ejabberd's own mod_http_api (POST /api/register, /api/check_account),
// at several requests in flight, for register and is_registered, plus
// change_password through the bridge. It prints the bridge's CPU and latency
// as ratios to K, ops/s ratios A/B and A/C, the absolute figures behind them,
// and writes all of it as JSON under bench/results/ (the tables printed are
// the ones docs/performance.md shows). Figures only: nothing is asserted.
// Modes: --profile, --soak [--heap-snapshots], --budget. --help lists every flag.
//
// The parts: lib/flags.ts (the command line), lib/systems.ts (K, A, B, C),
// lib/measure.ts (one measurement), lib/report.ts (medians, ratios, tables),
// modes/*.ts (compare, profile, soak, budget).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { BUILD_DIR, buildBridge, type BridgeBuild } from './lib/bridge-process.js';
import { K_OPS_FACTOR, opsFor, parseFlags, USAGE, type Storage } from './lib/flags.js';
import { waitQuiet, type IdleCpu, type Measurement } from './lib/measure.js';
import { machineInfo } from './lib/proc.js';
import { checkTargets, summarize, summaryTables } from './lib/report.js';
import { round } from './lib/stats.js';
import { budget } from './modes/budget.js';
import { compareStorage } from './modes/compare.js';
import { profile } from './modes/profile.js';
import type { Run } from './modes/run.js';
import { soak } from './modes/soak.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const parsed = parseFlags(process.argv.slice(2));
if (parsed.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const { flags } = parsed;

/** A progress line on stderr, with the seconds since the start. */
const progressStart = performance.now();
const progress = (line: string): void => {
  process.stderr.write(`[${((performance.now() - progressStart) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
};

const machine = machineInfo(ROOT);
const startedAt = new Date();
const runTag = `${(Date.now() % 36 ** 5).toString(36)}${randomBytes(2).toString('hex')}`;
const loadgenStart = process.cpuUsage();
const wallStart = performance.now();
let build: BridgeBuild | undefined;
if (!flags.tsx) {
  progress(`compiling the bridge and K (tsc -p bench/tsconfig.build.json --outDir ${BUILD_DIR}/${runTag})`);
  build = buildBridge(ROOT, runTag);
  if (build.typeErrors > 0) process.stderr.write(`  (${build.typeErrors} type errors in the tree; compiled anyway)\n`);
  // A profile's positions are read through the build's source maps: summarized before this runs.
  process.once('exit', () => build?.remove());
}
const quietness = flags.waitQuiet !== undefined ? await waitQuiet(flags.waitQuiet, machine.nproc) : undefined;
const run: Run = { root: ROOT, flags, runTag, key: `bench-key-${randomBytes(6).toString('hex')}`, build, machine, progress };

const settings = {
  ...flags,
  bridgeRunsAs: build ? `node ${BUILD_DIR}/<run>/src/cli.js (tsc -p bench/tsconfig.build.json)` : 'node --import tsx src/cli.ts',
  koaRunsAs: build ? `node ${BUILD_DIR}/<run>/bench/koa-baseline.js` : 'node --import tsx bench/koa-baseline.ts',
  bridgeBuildTypeErrors: build?.typeErrors ?? null,
  loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
  waitedForQuiet: quietness ?? null,
  /** K gets this many times the operations of opsPerMeasurement (lib/flags.ts K_OPS_FACTOR). */
  kOpsFactor: K_OPS_FACTOR,
  opsPerMeasurement: Object.fromEntries(
    flags.storages.map((storage) => [
      storage,
      Object.fromEntries(
        flags.ops.map((op) => [
          op,
          op === 'change_password'
            ? { [flags.changeLevel]: opsFor(flags, op, storage, flags.changeLevel) }
            : Object.fromEntries(flags.levels.map((l) => [l, opsFor(flags, op, storage, l)])),
        ]),
      ),
    ]),
  ),
};
process.stderr.write(`${machine.nproc} × ${machine.cpuModel}, node ${machine.node}, ejabberd ${machine.ejabberd}, run ${runTag}\n`);

let result: Record<string, unknown>;
let failed = 0;
let tables = '';
if (flags.mode === 'compare') {
  const measurements: Measurement[] = [];
  const idle: Partial<Record<Storage, IdleCpu>> = {};
  for (const storage of flags.storages) {
    const done = await compareStorage(run, storage);
    measurements.push(...done.measurements);
    idle[storage] = done.idle;
  }
  const summary = summarize(measurements);
  const targets = checkTargets(summary, flags);
  failed = measurements.reduce((sum, m) => sum + m.errors, 0);
  tables = summaryTables(summary, targets, flags);
  process.stdout.write(tables);
  result = { summary, targets, idle, measurements };
} else if (flags.mode === 'profile') {
  const profiles = await profile(run);
  failed = profiles.reduce((sum, p) => sum + p.measurement.errors, 0);
  result = { profiles };
} else if (flags.mode === 'budget') {
  const b = await budget(run);
  failed = b.measurements.reduce((sum, m) => sum + m.errors, 0);
  result = { budget: b };
} else {
  result = { soak: await soak(run) };
}

const self = process.cpuUsage(loadgenStart);
const durationS = round((performance.now() - wallStart) / 1000, 1);
const document = {
  schema: 'ejabberd-restful-bench/2',
  startedAt: startedAt.toISOString(),
  durationS,
  command: `npm run bench --${process.argv.slice(2).map((a) => ` ${a}`).join('')}`,
  machine,
  settings,
  loadgen: { cpuSeconds: round((self.user + self.system) / 1e6, 2), wallSeconds: durationS },
  failedOperations: failed,
  ...result,
};
const stamp = startedAt.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
const suffix = flags.mode === 'compare' ? (flags.smoke ? '-smoke' : '') : `-${flags.mode}`;
const outFile = flags.out ?? path.join(ROOT, 'bench/results', `${stamp}${suffix}.json`);
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, `${JSON.stringify(document, null, 2)}\n`);
if (tables !== '') writeFileSync(outFile.replace(/\.json$/, '.md'), tables);
process.stdout.write(
  `\n${durationS} s in all; the load generator used ${document.loadgen.cpuSeconds} s of CPU. Written: ${path.relative(process.cwd(), outFile)}` +
    `${tables !== '' ? ' (and the tables as .md next to it)' : ''}\n`,
);
if (failed > 0) {
  process.stderr.write(`${failed} operations failed: the figures above are not trustworthy\n`);
  process.exitCode = 1;
}
