// The logger censors secret-bearing keys (top level and one level down)
// whatever a log call is handed, and leaves ordinary lines as they are.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { censorSecrets, createLogger, TurnBatchedDestination } from '../../src/log.js';

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

describe('log: lines of one turn written together', () => {
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

  it('writes the lines of a turn at its end, in order', async () => {
    const destination = new TurnBatchedDestination(fd);
    destination.write('one\n');
    destination.write('two\n');
    expect(readFileSync(file, 'utf8'), 'not yet: the turn is not over').to.equal('');
    await new Promise((resolve) => setImmediate(resolve));
    expect(readFileSync(file, 'utf8')).to.equal('one\ntwo\n');
    destination.write('three\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(readFileSync(file, 'utf8')).to.equal('one\ntwo\nthree\n');
  });

  it('flushSync writes what is pending at once (before exiting)', () => {
    const destination = new TurnBatchedDestination(fd);
    destination.write('last words\n');
    destination.flushSync();
    expect(readFileSync(file, 'utf8')).to.equal('last words\n');
  });
});
