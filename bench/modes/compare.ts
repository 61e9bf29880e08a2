// The default mode: K, A, B, C (B1 at the top level) interleaved within each
// repetition, the order of levels and systems rotated between repetitions.
import { opsFor, opsOf, type Op, type Storage, type System } from '../lib/flags.js';
import { gated, idleCpu, measure, type IdleCpu, type Labels, type Measurement } from '../lib/measure.js';
import { rotate } from '../lib/stats.js';
import { changePasswordViaBridge, isRegisteredVia, nameFactory, registerVia, stopSystems, type Systems } from '../lib/systems.js';
import { systemsFor, type Run } from './run.js';

function systemsAt(run: Run, op: Op, level: number, s: Systems): System[] {
  if (op === 'change_password') return ['A'];
  const systems: System[] = ['K', 'A', 'B', 'C'];
  if (level === run.flags.top && s.bareOne) systems.push('B1');
  if (level === run.flags.top && run.flags.basicAuth) systems.push('Cbasic');
  return systems;
}

/** Measures one storage; returns its measurements and the idle CPU of its processes. */
export async function compareStorage(run: Run, storage: Storage): Promise<{ measurements: Measurement[]; idle: IdleCpu }> {
  const { flags } = run;
  const s = await systemsFor(run, storage);
  const name = nameFactory(run.runTag, storage);
  const out: Measurement[] = [];
  let lookups = 0;
  const sessionsOf = (system: System) =>
    system === 'A' ? flags.sessions : system === 'B' ? flags.sessions * flags.bridges : system === 'B1' ? 1 : null;
  const go = (labels: Labels, total: number, operation: (i: number) => Promise<void>, quiet = false) =>
    measure(s.procs, labels, total, operation, { maxSeconds: flags.maxSeconds, quiet });
  const once = (op: Op, system: System, level: number, rep: number, total: number, attempt = 0) => {
    const labels = { op, system, sessions: sessionsOf(system), level, rep };
    const tag = attempt === 0 ? `${rep}` : `${rep}r${attempt}`;
    if (op === 'register') return go(labels, total, (i) => registerVia(s, system, name(system, tag, level, i)));
    if (op === 'is_registered') {
      const offset = lookups;
      lookups += total;
      return go(labels, total, (i) => isRegisteredVia(s, system, s.registered[(offset + i) % s.registered.length] as string));
    }
    return go(labels, total, async () => {
      const username = s.unchanged.shift();
      if (username === undefined) throw new Error('no registered account left for change_password');
      await changePasswordViaBridge(s, username);
    });
  };
  let idle: IdleCpu;
  try {
    // Warm-up, not recorded: JIT (a few thousand requests through the shared
    // HTTP/XMPP path: is_registered is the cheap way there), sockets,
    // ejabberd's tables; accounts for is_registered and change_password.
    run.progress('warming up');
    const warmSystems: System[] = ['A', 'B', 'C', 'K', ...(s.bareOne ? ['B1' as const] : [])];
    for (const system of warmSystems) {
      const warm = (op: Op, n: number, level: number) => {
        const labels = { op, system, sessions: null, level, rep: -1 };
        if (op === 'register') return go(labels, n, (i) => registerVia(s, system, name(system, 'w', level, i)));
        return go(labels, n, (i) => isRegisteredVia(s, system, s.registered[i % s.registered.length] as string));
      };
      await warm('register', flags.smoke ? 16 : 64, 8);
      await warm('is_registered', flags.smoke ? 16 : 3000, flags.smoke ? 8 : 64);
      if (!flags.smoke) await warm('register', 128, 64);
    }
    if (flags.ops.includes('change_password')) await once('change_password', 'A', flags.changeLevel, -1, flags.smoke ? 2 : 16);
    idle = await idleCpu(s.procs, flags.smoke ? 1 : 2);

    for (let rep = 0; rep < flags.reps; rep += 1) {
      run.progress(`${storage}: repetition ${rep + 1} of ${flags.reps}`);
      for (const op of flags.ops) {
        if (op === 'change_password') {
          out.push(await gated(flags.waitQuiet, s.procs.nproc, () => once(op, 'A', flags.changeLevel, rep, opsFor(flags, op, storage, flags.changeLevel))));
          continue;
        }
        for (const level of rotate(flags.levels, rep)) {
          for (const system of rotate(systemsAt(run, op, level, s), rep)) {
            out.push(await gated(flags.waitQuiet, s.procs.nproc, (attempt) => once(op, system, level, rep, opsOf(system, opsFor(flags, op, storage, level)), attempt)));
          }
        }
      }
    }
  } finally {
    await stopSystems(s, run.progress);
  }
  return { measurements: out, idle };
}
