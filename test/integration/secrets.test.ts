// No password or key ever reaches the logs (nor metrics, nor error bodies).
// Two checks: traffic made here on purpose, with unmistakable secrets through
// every route and failure path at log level trace; and, after the whole test
// run, every bridge process any test file started, against every password and
// key any test sent (collected by test/support/bridge-process.ts).
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startBridgeProcess, suiteCapture, type BridgeProcess } from '../support/bridge-process.js';
import { bridgeConfig, uniqueName } from '../support/fixtures.js';

const HOST = 'localhost';

/** The ways a secret could show up in a log line: as is, JSON-escaped, URL-encoded. */
function formsOf(secret: string): string[] {
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])];
}

/** The secrets (and the form) found in `text`. */
function leaks(text: string, secrets: Iterable<string>): string[] {
  const found: string[] = [];
  for (const secret of secrets) {
    for (const form of formsOf(secret)) if (text.includes(form)) found.push(form);
  }
  return found;
}

/**
 * Secrets distinctive enough to look for in a whole run's logs: words such as
 * "wrong" or "pw", which tests use as passwords, occur in ordinary log text.
 */
const distinctive = (secret: string): boolean => secret.length >= 8 || (secret.length >= 4 && /[^a-z]/.test(secret));

// Root-level hook: runs once, after every test file of this run.
after(function () {
  const secrets = [...suiteCapture.secrets].filter(distinctive);
  const output = suiteCapture.outputs.map((lines) => lines.join('\n')).join('\n');
  if (suiteCapture.outputs.length === 0) return;
  expect(secrets.length, 'secrets collected from the run').to.be.greaterThan(0);
  expect(leaks(output, secrets), `secrets in the logs of ${suiteCapture.outputs.length} bridge processes`).to.deep.equal([]);
});

describe('secrets never reach the logs', function () {
  let server: ThrowawayEjabberd;
  let bridge: BridgeProcess;
  const secret = (label: string) => `${label}-${randomBytes(9).toString('base64url')}`;
  const registerKey = secret('regkey');
  const adminKey = secret('admkey');
  const used = new Set<string>([registerKey, adminKey]);
  const pick = (label: string) => {
    const value = secret(label);
    used.add(value);
    return value;
  };
  const bodies: string[] = [];

  before(async function () {
    server = await startEjabberd({ adminPassword: secret('xmpp-admin') });
    used.add(server.adminPassword);
    bridge = await startBridgeProcess(bridgeConfig(server, {
      api: [
        { path: 'register', module: 'register', key: registerKey, hooks: ['private_email'] },
        { path: 'admin', module: 'admin', key: adminKey, allowed_commands: ['register', 'change_password', 'check_account'] },
        { path: 'basic', module: 'admin', allowed_commands: ['check_account'] },
      ],
      limits: { failed_logins: { per_account: 'off', per_client: 'off', server_guard: 'off' } },
      log: { level: 'trace' },
    }));
  });

  after(async function () {
    await bridge?.stop();
    await server?.stop();
  });

  const post = async (path: string, body: unknown, headers?: Record<string, string>) => {
    const reply = await bridge.post(path, body, headers);
    bodies.push(reply.text);
    return reply;
  };
  const get = async (path: string) => {
    const reply = await bridge.get(path);
    bodies.push(reply.text);
    return reply;
  };

  it('keeps every password and key out of the logs, metrics and answers of a bridge at trace level', async function () {
    const username = uniqueName('secret');
    const password = pick('pw-first');
    const awkward = pick('pw-"quo\\te<&>-pässwörd-密码');
    const account = (extra: Record<string, unknown>) => ({ key: registerKey, username, host: HOST, ...extra });

    // register: success with the e-mail hook (a user login), then exists, wrong key, odd passwords.
    expect((await post('/api/register/register', account({ password, email: 'x@example.org' }))).status).to.equal(200);
    expect((await post('/api/register/register', account({ password }))).status).to.equal(409);
    expect((await post('/api/register/register', account({ key: pick('wrongkey'), password }))).status).to.equal(401);
    const second = uniqueName('secret');
    expect((await post('/api/register/register', { key: registerKey, username: second, host: HOST, password: awkward })).status).to.equal(200);
    expect((await post('/api/register/register', account({ password: `${pick('ctl')}\u0001` }))).status).to.equal(400);
    expect((await post('/api/register/register', account({ password: 12345678901 }))).status).to.equal(400);
    const malformed = `{"key":"${registerKey}","password":"${pick('pw-malformed')}"`;
    expect((await post('/api/register/register', malformed)).status).to.equal(400);
    expect((await post('/api/register/register', JSON.stringify(account({ password: pick('pw-plain') })), { 'content-type': 'text/plain' })).status).to.equal(415);

    // change_password: wrong old password (a refused login), then right, then force.
    const newPassword = pick('pw-new');
    expect((await post('/api/register/change_password', account({ old_password: pick('pw-oldwrong'), new_password: newPassword }))).status).to.equal(403);
    expect((await post('/api/register/change_password', account({ old_password: password, new_password: newPassword }))).status).to.equal(200);
    const forced = pick('pw-forced');
    expect((await post('/api/register/force_change_password', account({ new_password: forced }))).status).to.equal(200);

    // is_registered: the key in the query string, right and wrong, JSON and XML.
    expect((await get(`/api/register/is_registered?key=${encodeURIComponent(registerKey)}&username=${username}&host=${HOST}`)).text).to.equal('true');
    expect((await get(`/api/register/is_registered?key=${pick('qwrong')}&username=${username}&host=${HOST}&format=xml`)).status).to.equal(401);

    // unregister: wrong password, then right.
    expect((await post('/api/register/unregister', account({ password: pick('pw-unreg-wrong') }))).status).to.equal(403);
    expect((await post('/api/register/unregister', account({ password: forced }))).status).to.equal(200);

    // admin: keyed (a password among the args), and HTTP Basic right and wrong.
    const adminUser = uniqueName('secret');
    const adminPw = pick('pw-admin-arg');
    await post('/api/admin', { key: adminKey, command: 'register', args: [adminUser, HOST, adminPw] });
    await post('/api/admin', { key: adminKey, command: 'change_password', args: [adminUser, HOST, pick('pw-admin-new')] });
    await post('/api/admin', { key: pick('admwrong'), command: 'check_account', args: [adminUser, HOST] });
    const basic = (pw: string) => `Basic ${Buffer.from(`${server.adminJid}:${pw}`).toString('base64')}`;
    const wrongBasic = pick('basic-wrong');
    used.add(Buffer.from(`${server.adminJid}:${wrongBasic}`).toString('base64'));
    used.add(Buffer.from(`${server.adminJid}:${server.adminPassword}`).toString('base64'));
    await post('/api/basic', { command: 'check_account', args: [adminUser, HOST] }, { Authorization: basic(server.adminPassword) });
    await post('/api/basic', { command: 'check_account', args: [adminUser, HOST] }, { Authorization: basic(wrongBasic) });

    const metrics = await bridge.get('/metrics');
    expect(metrics.status).to.equal(200);
    await bridge.stop();

    const logs = bridge.output.join('\n');
    expect(logs).to.include('"msg":"request"');
    expect(logs).to.include('"msg":"stopped"');
    expect(leaks(logs, used), 'in the logs').to.deep.equal([]);
    expect(leaks(metrics.text, used), 'in /metrics').to.deep.equal([]);
    expect(leaks(bodies.join('\n'), used), 'in the answers').to.deep.equal([]);
  });

  it('keeps a refused bridge password out of the logs and /ready', async function () {
    const wrong = pick('xmpp-wrong');
    const refused = await startBridgeProcess(
      {
        xmpp: { service: server.service, jid: server.adminJid, password: wrong, reconnect: { initial_delay_ms: 100, max_delay_ms: 200 } },
        hosts: [HOST],
        api: [],
        log: { level: 'trace' },
      },
      { waitForXmpp: false },
    );
    try {
      const failed = await refused.waitForLog('xmpp session failed to start');
      expect(String(failed.reason)).to.match(/refused the bridge's login/);
      const ready = await refused.get('/ready');
      expect(ready.status).to.equal(503);
      expect(leaks(ready.text, [wrong])).to.deep.equal([]);
    } finally {
      await refused.stop();
    }
    expect(leaks(refused.output.join('\n'), [wrong, server.adminPassword])).to.deep.equal([]);
  });
});
