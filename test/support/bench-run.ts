// `npm run bench` as the smoke and budget tests run it: a child process
// under tsx with the given flags, its JSON results read from --out.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface BenchRun {
  code: number | null;
  /** What it printed, stdout and stderr together (for assertion messages). */
  output: string;
  /** Reads the JSON it wrote (after a zero exit). */
  document<T>(): Promise<T>;
}

export async function runBench(flags: string[], out: string): Promise<BenchRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/throughput.ts', ...flags, '--out', out], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output, document: async <T>() => JSON.parse(await readFile(out, 'utf8')) as T };
}
