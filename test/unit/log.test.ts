// The logger censors secret-bearing keys (top level and one level down)
// whatever a log call is handed, and leaves ordinary lines as they are.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import FakeTimers from '@sinonjs/fake-timers';
import { expect } from 'chai';
import { censorSecrets, createLogger, BatchedDestination } from '../../src/log.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, destination };
}

describe('log: secrets censored', () => {
  it('replaces secret keys at the top and one level down, and nothing else', () => {
    const given = {
      password: 'p1',
      route: '/api/register/register',
      headers: { authorization: 'Basic abc', accept: 'json' },
      fields: { username: 'u' },
      nested: { deeper: { password: 'kept: two levels down is out of reach, as before' } },
    };
    expect(censorSecrets(given)).to.deep.equal({
      password: '[redacted]',
      route: '/api/register/register',
      headers: { authorization: '[redacted]', accept: 'json' },
      fields: '[redacted]',
      nested: { deeper: { password: 'kept: two levels down is out of reach, as before' } },
    });
    expect(given.password, 'the caller’s object is not changed').to.equal('p1');
  });

  it('hands back the same object when there is nothing to censor', () => {
    const line = { requestId: 'r', method: 'POST', route: '/x', status: 200, ms: 1.2, xmpp: [{ operation: 'o', outcome: 'ok', ms: 1 }] };
    expect(censorSecrets(line)).to.equal(line);
  });

  it('censors what reaches the written line', () => {
    const { lines, destination } = capture();
    const log = createLogger('info', { destination });
    log.info({ key: 'the-key', body: { password: 'x' }, outcome: 'ok' }, 'request');
    expect(lines).to.have.length(1);
    const written = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(written.key).to.equal('[redacted]');
    expect(written.body).to.equal('[redacted]');
    expect(written.outcome).to.equal('ok');
    expect(lines[0]).to.not.include('the-key');
  });
});

describe('log: lines written in batches', () => {
  let dir: string;
  let fd: number;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'log-test-'));
    file = path.join(dir, 'out.log');
    fd = openSync(file, 'w');
  });
  afterEach(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes pending lines together, in order, once FLUSH_MS have passed since the first', () => {
    const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const destination = new BatchedDestination(fd);
      destination.write('one\n');
      clock.tick(BatchedDestination.FLUSH_MS - 1);
      destination.write('two\n');
      expect(readFileSync(file, 'utf8'), 'not yet').to.equal('');
      clock.tick(1);
      expect(readFileSync(file, 'utf8')).to.equal('one\ntwo\n');
      destination.write('three\n');
      clock.tick(BatchedDestination.FLUSH_MS);
      expect(readFileSync(file, 'utf8')).to.equal('one\ntwo\nthree\n');
    } finally {
      clock.uninstall();
    }
  });

  it('writes at once when FLUSH_BYTES are pending', () => {
    const destination = new BatchedDestination(fd);
    const line = `${'x'.repeat(99)}\n`;
    const lines = Math.ceil(BatchedDestination.FLUSH_BYTES / line.length);
    for (let i = 0; i < lines - 1; i += 1) destination.write(line);
    expect(readFileSync(file, 'utf8'), 'below the size').to.equal('');
    destination.write(line);
    expect(readFileSync(file, 'utf8')).to.equal(line.repeat(lines));
    destination.flushSync();
  });

  it('flushSync writes what is pending at once (before exiting)', () => {
    const destination = new BatchedDestination(fd);
    destination.write('last words\n');
    destination.flushSync();
    expect(readFileSync(file, 'utf8')).to.equal('last words\n');
  });
});

describe('log: nothing pending is lost when the process dies', () => {
  it('writes the pending lines on exit, even after an uncaught error', () => {
    const script = [
      "import { createLogger } from './src/log.ts';",
      "createLogger('info').info('last words');",
      "throw new Error('boom');",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(1);
    expect(run.stdout).to.include('"msg":"last words"');
  });
});
