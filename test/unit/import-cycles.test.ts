// No import cycles in src/: neither between files nor between its folders,
// so that the folder layout is the architecture (each folder only uses
// folders below it). The checker is tested on a made-up graph too, so that
// it is seen to fail when there is a cycle.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { cycles, folderGraph, importGraph } from '../support/import-graph.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('import cycles', () => {
  const graph = importGraph(ROOT);

  it('reads the imports of src/', () => {
    expect(graph.get('src/bridge.ts')).to.include('src/config/config.ts');
  });

  it('has no cycle between files of src/', () => {
    expect(cycles(graph)).to.deep.equal([]);
  });

  it('has no cycle between folders of src/', () => {
    expect(cycles(folderGraph(graph))).to.deep.equal([]);
  });

  it('keeps contract/ a leaf: it imports no file of src/ outside itself', () => {
    const contract = [...graph].filter(([file]) => file.startsWith('src/contract/'));
    expect(contract.map(([file]) => file)).to.include('src/contract/xmpp-outcome.ts');
    const outside = contract.flatMap(([file, targets]) => targets.filter((t) => !t.startsWith('src/contract/')).map((t) => `${file} -> ${t}`));
    expect(outside).to.deep.equal([]);
  });

  it('keeps xmpp/ below everything but contract/', () => {
    const xmpp = folderGraph(graph).get('xmpp/');
    expect(xmpp).to.not.equal(undefined);
    expect(xmpp).to.deep.equal(['contract/']);
  });

  it('finds a cycle when there is one, between files and between folders', () => {
    const made = new Map([
      ['src/a/one.ts', ['src/b/two.ts']],
      ['src/b/two.ts', ['src/b/three.ts']],
      ['src/b/three.ts', ['src/a/four.ts']],
      ['src/a/four.ts', []],
      ['src/c/self.ts', ['src/c/self.ts']],
    ]);
    expect(cycles(made)).to.deep.equal([['src/c/self.ts']]);
    expect(cycles(folderGraph(made))).to.deep.equal([['a/', 'b/']]);
    made.set('src/a/four.ts', ['src/a/one.ts']);
    expect(cycles(made)).to.deep.equal([['src/a/four.ts', 'src/a/one.ts', 'src/b/three.ts', 'src/b/two.ts'], ['src/c/self.ts']]);
  });
});
