// Configuration decoding: defaults, every way a file can be wrong, and that
// no message ever repeats a value (any of them may be a secret).
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ConfigError, loadConfig, PASSWORD_ENV, resolveConfig } from '../../src/config/load.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

const minimal = () => ({
  xmpp: { service: 'xmpp://127.0.0.1:5222', jid: 'admin@localhost', password: 'hunter2-secret' },
  hosts: ['localhost'],
  api: [{ path: 'register', module: 'register', key: 'key-secret-123' }],
});

async function problemsOf(input: unknown, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  try {
    await resolveConfig(input, { env, baseDir: '/nonexistent' });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', function () {
  it('fills in the defaults', async function () {
    const config = await resolveConfig(minimal(), { env: {}, baseDir: '.' });
    expect(config.listen).to.deep.equal({ host: '127.0.0.1', port: 8088 });
    expect(config.basePath).to.equal('/api');
    expect(config.xmpp.jid).to.deep.equal({ local: 'admin', domain: 'localhost' });
    expect(config.xmpp.requestTimeoutMs).to.equal(10_000);
    expect(config.limits.failedLogins).to.deep.equal({
      perAccount: { max: 5, windowSeconds: 900 },
      perClient: { max: 20, windowSeconds: 900 },
      serverGuard: { max: 15, windowSeconds: 3600 },
    });
    expect(config.limits.xmppInFlight).to.deep.equal({ max: 64, queue: 256, queueWaitMs: 2000 });
    expect(config.xmpp.keepalive).to.deep.equal({ idleMs: 30_000, timeoutMs: 10_000, maxTimeouts: 3 });
    expect(config.protectedAccounts).to.deep.equal(['admin@localhost']);
    expect(config.trustedProxies).to.deep.equal([]);
    expect(config.api).to.deep.equal([{ module: 'register', path: 'register', key: 'key-secret-123', hooks: [] }]);
    expect(config.log.level).to.equal('info');
  });

  it('prepares protected accounts after the bridge account, and reads limits, off included', async function () {
    const config = await resolveConfig(
      {
        ...minimal(),
        xmpp: { ...minimal().xmpp, jid: 'Admin@LocalHost' },
        protected_accounts: ['BOSS@localhost', 'admin@localhost'],
        trusted_proxies: ['10.0.0.0/8', '::1'],
        limits: { failed_logins: { per_account: { max: 3, window_seconds: 60 }, server_guard: 'off' } },
      },
      { env: {}, baseDir: '.' },
    );
    expect(config.protectedAccounts).to.deep.equal(['admin@localhost', 'boss@localhost']);
    expect(config.trustedProxies).to.deep.equal(['10.0.0.0/8', '::1']);
    expect(config.limits.failedLogins).to.deep.equal({
      perAccount: { max: 3, windowSeconds: 60 },
      perClient: { max: 20, windowSeconds: 900 },
      serverGuard: undefined,
    });
  });

  it('refuses a malformed protected account, proxy or limit, naming each', async function () {
    const problems = await problemsOf({
      ...minimal(),
      protected_accounts: ['no-at'],
      trusted_proxies: ['10.0.0.0/33', 'example.org'],
      limits: { failed_logins: { per_client: { max: 0, window_seconds: 60 }, server_guard: 'sometimes' } },
    });
    const said = problems.join('\n');
    expect(said).to.include('protected_accounts[0]');
    expect(said).to.include('trusted_proxies[0]');
    expect(said).to.include('trusted_proxies[1]');
    expect(said).to.include('limits.failed_logins.per_client.max');
    expect(said).to.include('limits.failed_logins.server_guard');
  });

  it('nameprep-normalises hosts and accepts the admin module', async function () {
    const config = await resolveConfig(
      { ...minimal(), hosts: ['LocalHost', 'Example.NET'], api: [{ path: 'admin', module: 'admin', allowed_commands: ['register'] }] },
      { env: {}, baseDir: '.' },
    );
    expect(config.hosts).to.deep.equal(['localhost', 'example.net']);
    expect(config.api[0]).to.deep.include({ module: 'admin', key: undefined, allowedCommands: ['register'] });
  });

  it('names the path and the expectation of each problem, never the value', async function () {
    const input = {
      ...minimal(),
      listen: { port: 'hunter2-secret' },
      xmpp: { service: 'http://x', jid: 'no-at-sign', password: 'hunter2-secret', pasword_file: 'x' },
      hosts: [],
      api: [{ path: 'a/b', module: 'register', key: 42 }, { path: 'x', module: 'nope' }],
      log: { level: 'loud' },
    };
    const problems = await problemsOf(input);
    expect(problems).to.include.members([
      'listen.port: expected a port number (0-65535), got a string',
      'xmpp.service: expected a URL such as xmpp://127.0.0.1:5222 or xmpps://host:5223 or a non-empty list of such URLs, got a string',
      'xmpp.jid: expected a bare JID such as admin@localhost, got a string',
      'xmpp.pasword_file: unknown option',
      'hosts: expected a non-empty list of host names, got a list',
    ]);
    expect(problems.some((p) => p.startsWith('log.level: expected'))).to.equal(true);
    expect(problems.join('\n')).to.not.include('hunter2-secret');
    expect(problems.join('\n')).to.not.include('loud');
  });

  it('reports problems inside api entries with their index', async function () {
    const problems = await problemsOf({
      ...minimal(),
      api: [
        { path: 'a/b', module: 'register', key: 42 },
        { path: 'x', module: 'nope' },
        { path: 'r', module: 'register', hooks: ['mail'] },
        { path: 'r', module: 'register' },
        { path: 's', module: 'register', hooks: ['private_email'] },
      ],
    });
    expect(problems).to.include('api[0].path: expected a path segment (letters, digits, . _ ~ -), got a string');
    expect(problems).to.include('api[0].key: expected a non-empty string, got a number');
    expect(problems.some((p) => p.startsWith('api[1].module: expected'))).to.equal(true);
    expect(problems.some((p) => p.startsWith('api[2].hooks[0]: expected'))).to.equal(true);
    expect(problems).to.include('api[3].path: "r" is mounted twice');
    expect(problems.some((p) => p.startsWith('api[4]'))).to.equal(false);
  });

  it('requires exactly one source for the XMPP password', async function () {
    const { xmpp, ...rest } = minimal();
    const bare = { ...rest, xmpp: { service: xmpp.service, jid: xmpp.jid } };
    expect(await problemsOf(bare)).to.deep.equal([
      `xmpp.password: required (or xmpp.password_file, or the ${PASSWORD_ENV} environment variable)`,
    ]);
    expect(await problemsOf({ ...rest, xmpp: { ...xmpp, password_file: 'f' } })).to.deep.equal([
      'xmpp: give either password or password_file, not both',
    ]);
    const fromEnv = await resolveConfig(bare, { env: { [PASSWORD_ENV]: 'from-env' }, baseDir: '.' });
    expect(fromEnv.xmpp.password).to.equal('from-env');
  });

  it('reads password_file relative to the config file', async function () {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'config-test-'));
    await writeFile(path.join(dir, 'pw.txt'), 'file-secret\n');
    const { xmpp, ...rest } = minimal();
    await writeFile(
      path.join(dir, 'bridge.yml'),
      JSON.stringify({ ...rest, xmpp: { service: xmpp.service, jid: xmpp.jid, password_file: 'pw.txt' } }),
    );
    const config = await loadConfig(path.join(dir, 'bridge.yml'), {});
    expect(config.xmpp.password).to.equal('file-secret');
  });

  it('reports YAML syntax errors by line, without the text', async function () {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'config-test-'));
    await writeFile(path.join(dir, 'bad.yml'), 'xmpp:\n  password: "hunter2-secret\n');
    try {
      await loadConfig(path.join(dir, 'bad.yml'), {});
      expect.fail('expected a ConfigError');
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).message).to.match(/YAML syntax error at line \d+/);
      expect((error as ConfigError).message).to.not.include('hunter2');
    }
  });

  describe('ejabberd-restful --check-config', function () {
    it('accepts ejabberd-restful.yml.example and exits 0', async function () {
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', 'src/cli.ts', '--check-config', 'ejabberd-restful.yml.example'],
        { cwd: ROOT, env: { ...process.env, [PASSWORD_ENV]: 'x' } },
      );
      expect(stdout).to.include('configuration OK');
    });

    it('exits 1 and names the problem for a broken file', async function () {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'config-test-'));
      await writeFile(path.join(dir, 'c.yml'), 'hosts: [localhost]\napi: []\n');
      try {
        await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--check-config', path.join(dir, 'c.yml')], { cwd: ROOT });
        expect.fail('expected exit code 1');
      } catch (error) {
        const { code, stderr } = error as { code: number; stderr: string };
        expect(code).to.equal(1);
        expect(stderr).to.include('xmpp: expected');
      }
    });
  });
});
