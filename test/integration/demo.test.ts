// `npm run demo` and Ctrl-C: a terminal sends SIGINT to the whole process
// group (npm, sh, tsx, node), the wrappers relay it, and people press Ctrl-C
// twice, so the demo gets SIGINT more than once, also while it cleans up.
// However many arrive, it must stop the bridge and ejabberd, remove the temp
// dir and leave no process behind. Synchronised on the demo's own output,
// with bounded waits only.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** How often to run the Ctrl-C scenario (DEMO_TEST_ITERATIONS=5 to shake out races by hand). */
const ITERATIONS = Math.max(1, Number(process.env.DEMO_TEST_ITERATIONS ?? 1) || 1);
const START_MS = 90_000;
const STOP_MS = 60_000;

interface Demo {
  child: ChildProcess;
  /** In the environment of every process the demo starts, down to ejabberd's VM. */
  mark: string;
  /** Every line written to stdout and stderr so far. */
  output: string[];
  /** Resolves with the match once a stdout line matches; rejects on exit or after `ms`. */
  waitForLine(re: RegExp, ms: number): Promise<RegExpMatchArray>;
  /** Resolves once the npm process has exited; rejects after `ms`. */
  waitForExit(ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startDemo(): Demo {
  const token = randomBytes(8).toString('hex');
  const child = spawn('npm', ['run', 'demo'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'warn',
      npm_config_update_notifier: 'false',
      DEMO_TEST_MARK: token,
    },
    // Its own process group, like a shell job: the test signals the group as a terminal does.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const stdoutLines: string[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  createInterface({ input: child.stdout }).on('line', (line) => {
    output.push(line);
    stdoutLines.push(line);
    wake();
  });
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  // 'close': the process has exited and its stdout/stderr are drained.
  child.once('close', (code, signal) => {
    exit = { code, signal };
    wake();
  });
  const dump = () => `\n--- demo output ---\n${output.join('\n')}\n---`;

  /** Polls `check` on every line and on exit, until it returns a value, with a deadline. */
  const until = <T>(what: string, ms: number, check: () => T | undefined): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(poll);
        reject(new Error(`demo: ${what} not within ${ms} ms${dump()}`));
      }, ms);
      const poll = () => {
        let value: T | undefined;
        try {
          value = check();
        } catch (err) {
          waiters.delete(poll);
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        if (value === undefined) return;
        waiters.delete(poll);
        clearTimeout(timer);
        resolve(value);
      };
      waiters.add(poll);
      poll();
    });

  return {
    child,
    mark: `DEMO_TEST_MARK=${token}`,
    output,
    waitForLine: (re, ms) =>
      until(`line ${re}`, ms, () => {
        for (const line of stdoutLines) {
          const m = re.exec(line);
          if (m) return m;
        }
        if (exit) throw new Error(`demo exited (${JSON.stringify(exit)}) before printing ${re}${dump()}`);
        return undefined;
      }),
    waitForExit: (ms) => until('exit', ms, () => exit),
  };
}

/** Alive and not a zombie (an orphaned beam may never be reaped in a container). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Live processes that carry `mark` in their environment, or name `dir` on their command line. */
function leftovers(mark: string, dir?: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid || !isAlive(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (environ.includes(mark) || (dir !== undefined && cmdline.includes(dir))) found.push({ pid, cmdline });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/**
 * How npm ends once the demo exited 0: 0, or killed by the SIGINT we sent when
 * /bin/sh is dash (it re-raises a SIGINT it got while waiting for `tsx`, and
 * npm re-raises its child's signal). Anything else means the demo failed.
 */
const NPM_AFTER_CTRL_C = [
  { code: 0, signal: null },
  { code: null, signal: 'SIGINT' },
];

describe('npm run demo', function () {
  this.timeout((START_MS + STOP_MS) * ITERATIONS + 30_000);
  let demo: Demo | undefined;
  let dir: string | undefined;
  let beam: number | undefined;

  afterEach(function () {
    // Only when a test failed half-way: leave nothing behind for the next run.
    if (demo) {
      for (const { pid } of leftovers(demo.mark, dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (beam !== undefined && isAlive(beam)) process.kill(beam, 'SIGKILL');
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    demo = undefined;
    dir = undefined;
    beam = undefined;
  });

  it(`stops ejabberd and the bridge and removes the temp dir on Ctrl-C, even when SIGINT comes again during clean-up (${ITERATIONS}x)`, async function () {
    for (let i = 0; i < ITERATIONS; i++) {
      demo = startDemo();
      const pgid = demo.child.pid!;
      dir = (await demo.waitForLine(/^ {2}ejabberd: starting in (\S+), /, START_MS))[1]!;
      expect(path.basename(dir)).to.match(/^ejabberd-/);
      const url = (await demo.waitForLine(/ejabberd-restful is up at (\S+)/, START_MS))[1]!;
      const origin = new URL(url).origin;
      // PORT=0: the URL names the port the bridge really listens on.
      expect(new URL(url).port).to.match(/^[1-9]\d*$/);
      beam = Number.parseInt(readFileSync(path.join(dir, 'ejabberd.pid'), 'utf8').trim(), 10);
      expect(isAlive(beam), `beam ${beam}`).to.equal(true);
      expect((await fetch(`${origin}/health`)).status).to.equal(200);

      // Ctrl-C, and once the demo is cleaning up, Ctrl-C again.
      process.kill(-pgid, 'SIGINT');
      await demo.waitForLine(/^Stopping\.\.\.$/, STOP_MS);
      process.kill(-pgid, 'SIGINT');

      const exit = await demo.waitForExit(STOP_MS);
      const said = demo.output.join('\n');
      expect(existsSync(dir), `${dir} still there\n${said}`).to.equal(false);
      expect(isAlive(beam), `beam ${beam} still running\n${said}`).to.equal(false);
      expect(leftovers(demo.mark, dir), said).to.deep.equal([]);
      // The repeat came while the demo was cleaning up, and was only acknowledged.
      expect(said).to.match(/^Still stopping, please wait\.\.\.$/m);
      expect(said).to.include('Stopped; nothing left behind.');
      expect(NPM_AFTER_CTRL_C, said).to.deep.include(exit);
      demo = undefined;
    }
  });

  it('stops cleanly when Ctrl-C comes while ejabberd is still starting', async function () {
    demo = startDemo();
    const pgid = demo.child.pid!;
    dir = (await demo.waitForLine(/^ {2}ejabberd: starting in (\S+), /, START_MS))[1]!;
    process.kill(-pgid, 'SIGINT');
    await demo.waitForLine(/^Stopping\.\.\.$/, STOP_MS);
    process.kill(-pgid, 'SIGINT');

    const exit = await demo.waitForExit(START_MS + STOP_MS);
    const said = demo.output.join('\n');
    expect(existsSync(dir), `${dir} still there\n${said}`).to.equal(false);
    expect(leftovers(demo.mark, dir), said).to.deep.equal([]);
    expect(said).to.not.include('is up at');
    expect(said).to.include('Stopped; nothing left behind.');
    expect(NPM_AFTER_CTRL_C, said).to.deep.include(exit);
  });

  it('still cleans up when npm, tsx and the demo process in front are killed outright', async function () {
    demo = startDemo();
    const pgid = demo.child.pid!;
    dir = (await demo.waitForLine(/^ {2}ejabberd: starting in (\S+), /, START_MS))[1]!;
    await demo.waitForLine(/ejabberd-restful is up at/, START_MS);
    beam = Number.parseInt(readFileSync(path.join(dir, 'ejabberd.pid'), 'utf8').trim(), 10);
    process.kill(-pgid, 'SIGKILL');

    // stdout closes once the last writer is gone: the worker, after its clean-up.
    await demo.waitForExit(STOP_MS);
    const said = demo.output.join('\n');
    expect(existsSync(dir), `${dir} still there\n${said}`).to.equal(false);
    expect(isAlive(beam), `beam ${beam} still running\n${said}`).to.equal(false);
    expect(leftovers(demo.mark, dir), said).to.deep.equal([]);
    expect(said).to.include('Stopped; nothing left behind.');
  });
});
