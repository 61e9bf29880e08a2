// Reads a V8 .cpuprofile (node --cpu-prof) and ranks functions by self time;
// also by self time plus that of the Node internals and native code they
// call (a socket write's syscall counts for whoever wrote).
// Positions in compiled files are mapped back to the TypeScript source
// through tsc's .js.map files, when there are any.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTimeRow {
  function: string;
  /** Where it is: a path under the project or node_modules, or node:internal. */
  location: string;
  selfMs: number;
  /** Share of the busy time (everything but "(idle)"). */
  percentOfBusy: number;
  percentOfTotal: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  idleMs: number;
  busyMs: number;
  /** Samples counted (those inside the window, when one was given). */
  samples: number;
  top: SelfTimeRow[];
  /**
   * Like `top`, but the time of Node's own JavaScript (node:*) and of native
   * code counts for the nearest application or package frame above it.
   */
  topWithNodeInternals: SelfTimeRow[];
  /** Self time by package (node_modules/<name>), project directory, or node internals. */
  byArea: { area: string; selfMs: number; percentOfBusy: number }[];
}

const maps = new Map<string, SourceMap | undefined>();

/** The TypeScript file and 1-based line a compiled position comes from, if the file has a source map. */
function original(url: string, line: number, column: number): { file: string; line: number } | undefined {
  if (!url.startsWith('file://')) return undefined;
  const file = fileURLToPath(url);
  if (!maps.has(file)) {
    let map: SourceMap | undefined;
    try {
      if (existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as never);
    } catch {
      map = undefined;
    }
    maps.set(file, map);
  }
  const map = maps.get(file);
  const entry = map?.findEntry(line, column);
  if (!entry || !('originalSource' in entry) || !entry.originalSource) return undefined;
  const source = entry.originalSource.startsWith('file://')
    ? fileURLToPath(entry.originalSource)
    : path.resolve(path.dirname(file), entry.originalSource);
  return { file: source, line: entry.originalLine + 1 };
}

function shortLocation(url: string, root: string): string {
  if (url === '') return '';
  let location = url.replace(/^file:\/\//, '');
  const modules = location.lastIndexOf('/node_modules/');
  if (modules >= 0) location = location.slice(modules + 1);
  else if (location.startsWith(`${root}/`)) location = location.slice(root.length + 1);
  return location;
}

function areaOf(location: string, functionName: string): string {
  if (location === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(location)?.[1];
  if (pkg) return pkg;
  if (location.startsWith('node:')) return 'node: internals';
  const dir = /^((?:src|bench|test)\/(?:[^/]+\/)?)/.exec(location)?.[1];
  return dir ?? location;
}

/**
 * `window`: only samples taken between these two CLOCK_MONOTONIC times, in
 * µs (V8 stamps profiles with that clock, as process.hrtime does), so the
 * process's start-up and shutdown stay out of the figures.
 */
export async function summarizeCpuProfile(
  file: string,
  root: string,
  { top = 15, window }: { top?: number; window?: { fromUs: number; toUs: number } } = {},
): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  let at = profile.startTime;
  let counted = 0;
  // timeDeltas[i] is the time before sample i: the time after it belongs to it.
  for (let i = 0; i < samples.length; i += 1) {
    at += timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    counted += 1;
    const delta = timeDeltas[i + 1] ?? 0;
    const id = samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, delta));
  }
  const describe = (node: ProfileNode) => {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const name = functionName === '' ? '(anonymous)' : functionName;
    const mapped = original(url, lineNumber, columnNumber);
    const location = mapped ? shortLocation(`file://${mapped.file}`, root) : shortLocation(url, root);
    const where = location === '' ? '' : mapped ? `${location}:${mapped.line}` : `${location}:${lineNumber + 1}:${columnNumber + 1}`;
    return { name, location, where };
  };
  /** The node itself if it is application or package code, else its nearest such ancestor. */
  const owner = (node: ProfileNode): ProfileNode => {
    if (node.callFrame.functionName.startsWith('(')) return node; // (garbage collector), (program), (root)
    for (let current: ProfileNode | undefined = node; current; current = byId.get(parent.get(current.id) ?? -1)) {
      if (current.callFrame.url.startsWith('file://')) return current;
    }
    return node;
  };
  const rows = new Map<string, { function: string; location: string; us: number }>();
  const owned = new Map<string, { function: string; location: string; us: number }>();
  const add = (table: typeof rows, node: ProfileNode, us: number) => {
    const { name, where } = describe(node);
    const key = `${name}\u0000${where}`;
    const row = table.get(key) ?? { function: name, location: where, us: 0 };
    row.us += us;
    table.set(key, row);
  };
  const areas = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    add(rows, node, us);
    add(owned, owner(node), us);
    const { name, location } = describe(node);
    const area = areaOf(location, name);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const pct = (us: number, of: number) => Math.round((1000 * us) / Math.max(of, 1)) / 10;
  const ranked = (table: typeof rows): SelfTimeRow[] =>
    [...table.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((r) => ({
        function: r.function,
        location: r.location,
        selfMs: Math.round(r.us / 100) / 10,
        percentOfBusy: pct(r.us, busyUs),
        percentOfTotal: pct(r.us, totalUs),
      }));
  return {
    file,
    totalMs: Math.round(totalUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    samples: counted,
    top: ranked(rows),
    topWithNodeInternals: ranked(owned),
    byArea: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([area, us]) => ({ area, selfMs: Math.round(us / 100) / 10, percentOfBusy: pct(us, busyUs) })),
  };
}
