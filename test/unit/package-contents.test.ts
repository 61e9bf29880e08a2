// What `npm pack` ships: the bridge compiled from src/ (and only src/), the
// example configs and the README; never the throwaway-server harness, the
// tests, the bench or the scripts, which live outside src/.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEV_ONLY = /^(test|bench|scripts)\/|harness|throwaway/;

describe('the npm package', function () {
  it('packs only the compiled bridge, the example configs and the README', function () {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    const [pack] = JSON.parse(out) as { files: { path: string }[] }[];
    const files = (pack?.files ?? []).map((file) => file.path);
    expect(files).to.include.members(['README.md', 'package.json', 'ejabberd.yml.example']);
    const outside = files.filter((file) => !file.startsWith('dist/src/') && !/^(README\.md|package\.json|LICENSE|[\w.]+\.example)$/.test(file));
    expect(outside).to.deep.equal([]);
    expect(files.filter((file) => DEV_ONLY.test(file))).to.deep.equal([]);
  });

  it('compiles dist/ from src/ alone, which holds no harness', function () {
    const listed = execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--listFilesOnly'], { cwd: ROOT, encoding: 'utf8' });
    const ours = listed
      .split('\n')
      .map((line) => path.relative(ROOT, line.trim()))
      .filter((file) => file !== '' && !file.startsWith('node_modules/') && !file.startsWith('..'));
    expect(ours).to.include('src/bridge.ts');
    expect(ours.filter((file) => !file.startsWith('src/'))).to.deep.equal([]);
    expect(ours.filter((file) => DEV_ONLY.test(file))).to.deep.equal([]);
  });
});
