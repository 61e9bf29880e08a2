// Heap snapshots of the bridge (node --heapsnapshot-signal) and what grew
// between two of them, by constructor: counts and self sizes.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapCensus {
  file: string;
  totalBytes: number;
  /** "type:name" -> count and self bytes. */
  byConstructor: Map<string, { count: number; bytes: number }>;
}

export async function readCensus(file: string): Promise<HeapCensus> {
  const raw = JSON.parse(await readFile(file, 'utf8')) as RawSnapshot;
  const fields = raw.snapshot.meta.node_fields;
  const types = raw.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const byConstructor = new Map<string, { count: number; bytes: number }>();
  let totalBytes = 0;
  for (let i = 0; i < raw.nodes.length; i += width) {
    const type = types[raw.nodes[i + typeAt] as number] ?? '?';
    // Strings and code are grouped by type only: their "names" are their contents.
    const name = type === 'object' || type === 'closure' || type === 'native' ? (raw.strings[raw.nodes[i + nameAt] as number] ?? '?') : '';
    const size = raw.nodes[i + sizeAt] as number;
    const key = `${type}:${name.slice(0, 60)}`;
    const entry = byConstructor.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += size;
    byConstructor.set(key, entry);
    totalBytes += size;
  }
  return { file, totalBytes, byConstructor };
}

export interface Growth {
  what: string;
  countBefore: number;
  countAfter: number;
  bytesBefore: number;
  bytesAfter: number;
}

/** The constructors whose self size grew most from `before` to `after`. */
export function growth(before: HeapCensus, after: HeapCensus, top = 15): Growth[] {
  const keys = new Set([...before.byConstructor.keys(), ...after.byConstructor.keys()]);
  return [...keys]
    .map((what) => {
      const b = before.byConstructor.get(what) ?? { count: 0, bytes: 0 };
      const a = after.byConstructor.get(what) ?? { count: 0, bytes: 0 };
      return { what, countBefore: b.count, countAfter: a.count, bytesBefore: b.bytes, bytesAfter: a.bytes };
    })
    .sort((x, y) => y.bytesAfter - y.bytesBefore - (x.bytesAfter - x.bytesBefore))
    .slice(0, top);
}

/**
 * Asks a bridge started with heapSnapshotDir for a snapshot (SIGUSR2) and
 * waits until it is written: the bridge writes it on its main thread, so
 * once the file exists, the first answer the bridge gives after that comes
 * after the write.
 */
export async function takeSnapshot(pid: number, dir: string, answered: () => Promise<unknown>): Promise<string> {
  const before = new Set(await readdir(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 120_000;
  for (;;) {
    const added = (await readdir(dir)).filter((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (added[0] !== undefined) {
      await answered();
      return path.join(dir, added[0]);
    }
    if (Date.now() > deadline) throw new Error('the bridge wrote no heap snapshot within 120 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
