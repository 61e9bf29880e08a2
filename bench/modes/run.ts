// What every mode of the bench is handed: the flags, the compiled bridge, the
// machine, and how to make its systems.
import type { BridgeBuild } from '../lib/bridge-process.js';
import type { BenchFlags, Storage } from '../lib/flags.js';
import type { MachineInfo } from '../lib/proc.js';
import { startSystems, type Systems, type SystemsOptions } from '../lib/systems.js';

export interface Run {
  root: string;
  flags: BenchFlags;
  /** Unique per run: account names carry it. */
  runTag: string;
  key: string;
  build: BridgeBuild | undefined;
  machine: MachineInfo;
  progress: (line: string) => void;
}

export function systemsFor(run: Run, storage: Storage, extra: Partial<SystemsOptions> = {}): Promise<Systems> {
  return startSystems(
    {
      root: run.root,
      storage,
      runTag: run.runTag,
      key: run.key,
      sessions: run.flags.sessions,
      bridges: run.flags.bridges,
      logLevel: run.flags.logLevel,
      build: run.build,
      nproc: run.machine.nproc,
      ...(run.flags.beamCpus !== undefined ? { beamCpus: run.flags.beamCpus } : {}),
      ...extra,
    },
    run.progress,
  );
}
