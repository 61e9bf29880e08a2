// How the admin module decides who may run commands: the mount's key, or
// HTTP Basic credentials of an account the XMPP server treats as an
// administrator, verified by logging in as it; the short-lived memory of
// verified credentials; and wrong passwords that must not get the bridge banned.
import { expect } from 'chai';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { asUser, bridgeConfig, KEY, uniqueName } from '../support/fixtures.js';
import { basic } from '../support/http-clients.js';

const HOST = 'localhost';
const OTHER_HOST = 'example.net';
const COMMANDS = ['register', 'check_account', 'registered_users'];

describe('admin module authorisation against ejabberd', function () {
  let server: ThrowawayEjabberd;
  let bridge: BridgeProcess;
  const CAROL = 'carol';

  before(async function () {
    server = await startEjabberd({
      hosts: [HOST, OTHER_HOST],
      // carol administers example.net only (the bridge's account stays an admin there too).
      edit: (config) => {
        config.host_config = { [OTHER_HOST]: { acl: { admin: { user: [`${CAROL}@${OTHER_HOST}`, `admin@${HOST}`] } } } };
      },
    });
    await server.register(CAROL, OTHER_HOST, 'carol-pw');
    bridge = await startBridgeProcess(
      bridgeConfig(server, {
        api: [
          { path: 'admin', module: 'admin', allowed_commands: COMMANDS },
          { path: 'keyed', module: 'admin', key: KEY, allowed_commands: COMMANDS },
        ],
        limits: { failed_logins: { per_account: 'off', per_client: 'off', server_guard: 'off' } },
      }),
    );
  });

  after(async function () {
    await bridge?.stop();
    await server?.stop();
  });

  const admin = (command: string, args: unknown[], headers: Record<string, string> = {}, body: Record<string, unknown> = {}) =>
    bridge.post('/api/admin', { command, args, ...body }, headers);
  const asAdmin = () => basic(server.adminJid, server.adminPassword);
  const exists = async (user: string) => (await server.ctl(['check_account', user, HOST])).code === 0;

  describe('with a key', function () {
    it('runs the command for the right key', async function () {
      const user = uniqueName('k');
      const reply = await bridge.post('/api/keyed', { key: KEY, command: 'register', args: [user, HOST, 'pw'] });
      expect(reply.status).to.equal(200);
      expect(await exists(user)).to.equal(true);
    });

    it('answers 401 not_allowed without a challenge for a wrong or missing key, even with admin Basic credentials', async function () {
      const user = uniqueName('k');
      for (const body of [{ key: 'wrong' }, {}]) {
        const reply = await bridge.post('/api/keyed', { ...body, command: 'register', args: [user, HOST, 'pw'] }, asAdmin());
        expect(reply.status).to.equal(401);
        expect(reply.json).to.deep.equal({ error: 'not_allowed' });
        expect(reply.headers.get('www-authenticate')).to.equal(null);
      }
      expect(await exists(user)).to.equal(false);
    });
  });

  describe('with HTTP Basic', function () {
    it('runs the command for an administrator', async function () {
      const user = uniqueName('b');
      const reply = await admin('register', [user, HOST, 'pw'], asAdmin());
      expect(reply.status).to.equal(200);
      expect(reply.json).to.deep.equal({ ok: `User ${user}@${HOST} successfully registered` });
      expect(await exists(user)).to.equal(true);
    });

    it('answers 401 with a Basic challenge without credentials', async function () {
      const reply = await admin('check_account', ['admin', HOST]);
      expect(reply.status).to.equal(401);
      expect(reply.json).to.deep.equal({ error: 'not_allowed' });
      expect(reply.headers.get('www-authenticate')).to.match(/^Basic realm="[^"]+", charset="UTF-8"$/);
    });

    it('answers 401 with a challenge for a wrong password, an unknown account or a malformed header', async function () {
      const user = uniqueName('b');
      const attempts = [
        basic(server.adminJid, 'wrong'),
        basic(`nobody@${HOST}`, 'pw'),
        basic('admin', server.adminPassword),
        basic(`admin@elsewhere.example`, server.adminPassword),
        basic(server.adminJid, ''),
        { authorization: 'Bearer abc' },
        { authorization: 'Basic !!!' },
      ];
      for (const headers of attempts) {
        const reply = await admin('register', [user, HOST, 'pw'], headers);
        expect(reply.status, headers.authorization).to.equal(401);
        expect(reply.json).to.deep.equal({ error: 'not_allowed' });
        expect(reply.headers.get('www-authenticate')).to.match(/^Basic /);
      }
      expect(await exists(user)).to.equal(false);
    });

    it('answers 403 for a valid account that is not an administrator', async function () {
      const plain = uniqueName('plain');
      await server.register(plain, HOST, 'plain-pw');
      const user = uniqueName('b');
      const reply = await admin('register', [user, HOST, 'pw'], basic(`${plain}@${HOST}`, 'plain-pw'));
      expect(reply.status).to.equal(403);
      expect(reply.json).to.deep.equal({ error: 'not_allowed' });
      expect(reply.headers.get('www-authenticate')).to.equal(null);
      expect(await exists(user)).to.equal(false);
    });

    it('lets an administrator of one host act on that host only', async function () {
      const carol = basic(`${CAROL}@${OTHER_HOST}`, 'carol-pw');
      const there = uniqueName('c');
      const mine = await admin('register', [there, OTHER_HOST, 'pw'], carol);
      expect(mine.status).to.equal(200);
      expect((await server.ctl(['check_account', there, OTHER_HOST])).code).to.equal(0);
      const here = uniqueName('c');
      const other = await admin('register', [here, HOST, 'pw'], carol);
      expect(other.status).to.equal(403);
      expect(await exists(here)).to.equal(false);
    });

    it('still applies the allow-list to administrators', async function () {
      const reply = await admin('unregister', ['admin', HOST], asAdmin());
      expect(reply.status).to.equal(403);
      expect(await exists('admin')).to.equal(true);
    });

    it('remembers a verified credential briefly, and drops it at the first mismatch', async function () {
      // The bridge's own account is the administrator whose password the test can change.
      expect((await admin('check_account', ['admin', HOST], asAdmin())).status).to.equal(200);
      const oldPassword = server.adminPassword;
      const newPassword = `${oldPassword}-new`;
      const changed = await server.ctl(['change_password', 'admin', HOST, newPassword]);
      expect(changed.code, changed.stdout + changed.stderr).to.equal(0);
      try {
        // Remembered: the old password still works without asking the server.
        expect((await admin('check_account', ['admin', HOST], basic(server.adminJid, oldPassword))).status).to.equal(200);
        // A different password is verified by the server (the new one is right) and replaces the entry...
        expect((await admin('check_account', ['admin', HOST], basic(server.adminJid, newPassword))).status).to.equal(200);
        // ...so the old one is now checked by the server, and refused.
        expect((await admin('check_account', ['admin', HOST], basic(server.adminJid, oldPassword))).status).to.equal(401);
        // The refusal dropped what was remembered: the right password is verified afresh, and works.
        expect((await admin('check_account', ['admin', HOST], basic(server.adminJid, newPassword))).status).to.equal(200);
      } finally {
        await server.ctl(['change_password', 'admin', HOST, oldPassword]);
      }
    });

    it('cannot get the bridge banned by mod_fail2ban, however many wrong passwords arrive', async function () {
      // More than mod_fail2ban's default of 20 failures per hour.
      for (let i = 0; i < 25; i += 1) {
        expect((await admin('check_account', ['admin', HOST], basic(server.adminJid, `wrong${i}`))).status).to.equal(401);
      }
      await asUser(server.service, { username: 'admin', domain: HOST, password: server.adminPassword });
      expect((await admin('check_account', ['admin', HOST], asAdmin())).status).to.equal(200);
    });
  });
});
