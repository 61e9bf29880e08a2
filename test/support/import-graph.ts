// The import graph of src/, read with the TypeScript compiler's own
// pre-processor (imports, `export ... from` and dynamic imports), and the
// cycles in it: between files, and between the top-level folders of src/
// (a file directly in src/, such as bridge.ts, is a unit of its own).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** From each file (a path relative to the root) to the files it imports. */
export type Graph = ReadonlyMap<string, readonly string[]>;

/** Every .ts file under `dir`, relative to `root`. */
function sourceFiles(root: string, dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(root, relative);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative] : [];
  });
}

/** The files of `dir` (relative to `root`) and their relative imports among themselves. */
export function importGraph(root: string, dir = 'src'): Graph {
  const files = sourceFiles(root, dir);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(path.join(root, file), 'utf8'), true, true);
    const targets = importedFiles
      .map(({ fileName }) => fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => path.posix.join(path.posix.dirname(file), name).replace(/\.js$/, '.ts'))
      .filter((target) => known.has(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The unit a file belongs to: its top-level folder under `dir`, or the file itself when it sits in `dir`. */
export function folderOf(file: string, dir = 'src'): string {
  const [first, ...rest] = path.posix.relative(dir, file).split('/');
  return rest.length === 0 ? (first ?? file) : `${first}/`;
}

/** The graph between folders (edges inside one folder left out). */
export function folderGraph(graph: Graph, dir = 'src'): Graph {
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = folderOf(file, dir);
    const edges = folders.get(from) ?? new Set<string>();
    folders.set(from, edges);
    for (const target of targets) if (folderOf(target, dir) !== from) edges.add(folderOf(target, dir));
  }
  return new Map([...folders].map(([folder, edges]) => [folder, [...edges]]));
}

/**
 * The cycles of a graph: its strongly connected components of more than one
 * node, or of one node that imports itself (Tarjan's algorithm). Each is
 * listed in a stable order so a failure message is readable.
 */
export function cycles(graph: Graph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = member === node ? undefined : stack.pop()) {
      onStack.delete(member);
      component.push(member);
    }
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}
