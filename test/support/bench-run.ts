// `npm run bench` as the smoke and budget tests run it: a child process
// under tsx with the given flags, its JSON results read from --out.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface BenchRun {
  code: number | null;
  /** What it printed, stdout and stderr together (for assertion messages). */
  output: string;
  /** Reads the JSON it wrote (after a zero exit). */
  document<T>(): T;
}

/** Runs the bench with `flags`; its JSON goes to a temporary directory of its own, removed once read. */
export async function runBench(flags: string[]): Promise<BenchRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-run-'));
  const out = path.join(dir, 'results.json');
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/throughput.ts', ...flags, '--out', out], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  const written = await readFile(out, 'utf8').catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
  return {
    code,
    output,
    document: <T>() => {
      if (written === undefined) throw new Error(`the bench wrote no JSON:\n${output}`);
      return JSON.parse(written) as T;
    },
  };
}
