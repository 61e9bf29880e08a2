// --profile: the bridge under `node --cpu-prof`, registrations at the top
// level, A only; functions ranked by self time over the load only.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { summarizeCpuProfile, type ProfileSummary } from '../lib/cpu-profile.js';
import type { Storage } from '../lib/flags.js';
import { measure, NOISY_PERCENT, type Measurement } from '../lib/measure.js';
import { isRegisteredVia, nameFactory, registerVia, stopSystems } from '../lib/systems.js';
import { systemsFor, type Run } from './run.js';

export interface ProfileResult {
  storage: Storage;
  level: number;
  ops: number;
  measurement: Measurement;
  summary: ProfileSummary;
  cpuProfile: string;
}

export async function profile(run: Run): Promise<ProfileResult[]> {
  const { flags, root } = run;
  const top = flags.top;
  const results: ProfileResult[] = [];
  for (const storage of flags.storages) {
    const dir = path.join(root, 'bench/results/profiles');
    mkdirSync(dir, { recursive: true });
    const s = await systemsFor(run, storage, { cpuProfileDir: dir, koa: false, bare: false });
    const name = nameFactory(run.runTag, storage);
    const total = flags.profileOps ?? (storage === 'scram' ? 2000 : 10000);
    const go = (op: 'register' | 'is_registered', rep: number, n: number, operation: (i: number) => Promise<void>) =>
      measure(s.procs, { op, system: 'A', sessions: flags.sessions, level: top, rep }, n, operation, { maxSeconds: flags.maxSeconds });
    let measurement: Measurement;
    let window: { fromUs: number; toUs: number };
    let file: string | undefined;
    try {
      run.progress('warming up');
      await go('register', -1, 256, (i) => registerVia(s, 'A', name('A', 'w', top, i)));
      await go('is_registered', -1, 3000, (i) => isRegisteredVia(s, 'A', s.registered[i % s.registered.length] as string));
      process.stderr.write(`profiling: ${total} registrations through the bridge, ${top} in flight\n`);
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      measurement = await go('register', 0, total, (i) => registerVia(s, 'A', name('A', 'p', top, i)));
      window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
    } finally {
      [file] = await stopSystems(s, run.progress);
    }
    if (!file) throw new Error('the bridge wrote no CPU profile');
    const summary = await summarizeCpuProfile(file, root, { top: 15, window });
    const lines = [
      '',
      `CPU profile of the bridge, register ${storage} ${top} in flight, ${total} requests at ${measurement.opsPerSec.toFixed(0)}/s: ` +
        `${summary.busyMs} ms busy of ${summary.totalMs} ms sampled (main thread), ${summary.samples} samples; ${path.relative(root, file)}`,
      '',
      '| # | self ms | % of busy | function | where |',
      '|---|---|---|---|---|',
      ...summary.top.map((r, i) => `| ${i + 1} | ${r.selfMs.toFixed(1)} | ${r.percentOfBusy.toFixed(1)} | ${r.function} | ${r.location} |`),
      '',
      'The same, counting Node internals and native code (syscalls) for the nearest application or package frame that called them:',
      '',
      '| # | ms | % of busy | function | where |',
      '|---|---|---|---|---|',
      ...summary.topWithNodeInternals.map((r, i) => `| ${i + 1} | ${r.selfMs.toFixed(1)} | ${r.percentOfBusy.toFixed(1)} | ${r.function} | ${r.location} |`),
      '',
      '| area | self ms | % of busy |',
      '|---|---|---|',
      ...summary.byArea.map((a) => `| ${a.area} | ${a.selfMs.toFixed(1)} | ${a.percentOfBusy.toFixed(1)} |`),
    ];
    if (measurement.othersBusyPercent > NOISY_PERCENT) {
      lines.push(
        '',
        `WARNING: other processes used ${measurement.othersBusyPercent} % of the machine meanwhile: samples taken while the bridge ` +
          'was descheduled land on whatever it was doing (often a syscall), so the ranking is skewed. Run it again when the machine is quiet.',
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    results.push({ storage, level: top, ops: total, measurement, summary: { ...summary, file: path.relative(root, summary.file) }, cpuProfile: path.relative(root, file) });
  }
  return results;
}
