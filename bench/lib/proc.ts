// CPU time and memory of other processes from /proc, and what the machine is.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export interface CpuReading {
  /** utime + stime from /proc/<pid>/stat (all threads, dead ones included), in ns; 10 ms steps. */
  statNs: number;
  /** Sum of /proc/<pid>/task/<tid>/schedstat run times of the live threads, in ns (exact); undefined where unavailable. */
  schedNs: number | undefined;
}

/** utime + stime of a process (fields 14 and 15 of /proc/<pid>/stat), in ns. */
function statCpuNs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e9) / ticksPerSecond();
}

function schedCpuNs(pid: number): number | undefined {
  try {
    let sum = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        sum += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended between the listing and the read
      }
    }
    return sum;
  } catch {
    return undefined;
  }
}

export function readCpu(pid: number): CpuReading {
  return { statNs: statCpuNs(pid), schedNs: schedCpuNs(pid) };
}

/**
 * CPU time used between two readings, in ns: the exact schedstat sum unless
 * it came out below the tick count by more than a tick (a thread that ended
 * in between took its time with it), else the tick count.
 */
export function cpuBetween(before: CpuReading, after: CpuReading): number {
  const stat = after.statNs - before.statNs;
  if (before.schedNs === undefined || after.schedNs === undefined) return stat;
  const sched = after.schedNs - before.schedNs;
  const tick = 1e9 / ticksPerSecond();
  return sched < stat - 2 * tick ? stat : sched;
}

/** CPU time the whole machine spent busy (all cores: user, nice, system, irq, softirq) since boot, in ns. */
export function machineBusyNs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).slice(1).map(Number);
  return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) * 1e9) / ticksPerSecond();
}

/** Resident set size of a process (VmRSS), in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kb === undefined ? Number.NaN : Number(kb) * 1024;
}

function commandOutput(file: string, args: string[]): string | undefined {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memTotalMB: number;
  kernel: string;
  node: string;
  ejabberd: string | undefined;
  erlangOtp: string | undefined;
  gitCommit: string | undefined;
  /** Files under src/ that differ from gitCommit when the run started. */
  gitDirtySrc: string[];
}

export function machineInfo(root: string): MachineInfo {
  const cpuinfo = readText('/proc/cpuinfo') ?? '';
  const otpDir = commandOutput('sh', ['-c', 'ls -d /usr/lib/erlang/releases/*/ | head -n1']);
  return {
    nproc: Number(commandOutput('nproc', [])) || os.availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    memTotalMB: Math.round(os.totalmem() / 2 ** 20),
    kernel: os.release(),
    node: process.version,
    ejabberd: commandOutput('dpkg-query', ['-W', '-f', '${Version}', 'ejabberd']),
    erlangOtp: otpDir ? readText(`${otpDir}OTP_VERSION`) : undefined,
    gitCommit: commandOutput('git', ['-C', root, 'rev-parse', '--short', 'HEAD']),
    gitDirtySrc: (commandOutput('git', ['-C', root, 'status', '--porcelain', '--', 'src']) ?? '')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.slice(3)),
  };
}
