// The register module of CONTRACT.md, row by row, against a real ejabberd
// started from ejabberd.yml.example and a real Prosody started from
// prosody.cfg.lua.example (one suite, run once per server), and a real
// bridge process over HTTP that finds out which server it talks to.
import { expect } from 'chai';
import { PRIVATE_EMAIL_NS } from '../../src/api/register/private-email.js';
import { loadPrivate } from '../../src/xmpp/private-storage.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { asUser, KEY, uniqueName } from '../support/fixtures.js';
import { configFor, SERVER_VERSIONS, startServer, type ServerUnderTest } from '../support/server-under-test.js';

for (const version of SERVER_VERSIONS) {
describe(`register module against ${version.label}`, function () {
  let server: ServerUnderTest;
  let bridge: BridgeProcess;
  const HOST = 'localhost';
  const OTHER_HOST = 'example.net';
  const canLogIn = (_server: ServerUnderTest, username: string, password: string) => server.canLogIn(username, password);

  before(async function () {
    server = await startServer(version, { hosts: [HOST, OTHER_HOST] });
    bridge = await startBridgeProcess(configFor(server));
  });

  it('uses the back end of the server it talks to', async function () {
    const chosen = await bridge.waitForLog('xmpp server back end chosen');
    expect(chosen.kind).to.equal(version.kind);
    expect(chosen.by).to.equal('server');
  });

  after(async function () {
    await bridge?.stop();
    await server?.stop();
  });

  const post = (action: string, body: Record<string, unknown>, headers?: Record<string, string>) =>
    bridge.post(`/api/register/${action}`, { key: KEY, host: HOST, ...body }, headers);
  const signup = (body: Record<string, unknown>) =>
    bridge.post('/api/signup/register', { key: KEY, host: HOST, ...body });
  const isRegistered = async (username: string, host = HOST) => {
    const reply = await bridge.get(
      `/api/register/is_registered?key=${KEY}&username=${encodeURIComponent(username)}&host=${host}`,
    );
    expect(reply.status).to.equal(200);
    return reply.json;
  };

  describe('register', function () {
    it('creates the account and answers "ok"', async function () {
      const username = uniqueName();
      const reply = await post('register', { username, password: 'secret' });
      expect(reply.status).to.equal(200);
      expect(reply.headers.get('content-type')).to.match(/^application\/json/);
      expect(reply.text).to.equal('"ok"');
      expect(await isRegistered(username)).to.equal(true);
      expect(await canLogIn(server, username, 'secret')).to.equal(true);
    });

    it('answers 409 exists for a taken name, leaving the account as it was', async function () {
      const username = uniqueName();
      await post('register', { username, password: 'first' });
      const reply = await post('register', { username, password: 'second' });
      expect(reply.status).to.equal(409);
      expect(reply.json).to.deep.equal({ error: 'exists' });
      expect(await canLogIn(server, username, 'first')).to.equal(true);
    });

    it('folds upper case and full-width names with nodeprep', async function () {
      const base = uniqueName('case');
      expect((await post('register', { username: base.toUpperCase(), password: 'pw' })).text).to.equal('"ok"');
      expect(await isRegistered(base)).to.equal(true);
      const again = await post('register', { username: base.replace(/^c/, 'C'), password: 'pw' });
      expect(again.json).to.deep.equal({ error: 'exists' });
      const fullWidth = 'ｆｕｌｌ' + uniqueName('w');
      expect((await post('register', { username: fullWidth, password: 'pw' })).text).to.equal('"ok"');
      expect(await isRegistered(fullWidth.normalize('NFKC'))).to.equal(true);
    });

    it('registers and logs in non-ASCII names and passwords', async function () {
      const username = `zoë-用户-${uniqueName()}`;
      const password = 'pässwörd-密码';
      expect((await post('register', { username, password })).text).to.equal('"ok"');
      expect(await isRegistered(username)).to.equal(true);
      expect(await canLogIn(server, username, password)).to.equal(true);
      expect(await canLogIn(server, username, 'passwörd')).to.equal(false);
    });

    it('registers on the host the request names', async function () {
      const username = uniqueName();
      expect((await post('register', { username, password: 'pw', host: OTHER_HOST })).text).to.equal('"ok"');
      expect(await isRegistered(username, OTHER_HOST)).to.equal(true);
      expect(await isRegistered(username, HOST)).to.equal(false);
    });

    it('answers 403 not_allowed when the server refuses the password (a server that stores it registers)', async function () {
      const username = uniqueName();
      const reply = await post('register', { username, password: '😀' });
      if (server.traits.refusesUnpreppedPasswords) {
        expect(reply.status).to.equal(403);
        expect(reply.json).to.deep.equal({ error: 'not_allowed' });
        expect(await isRegistered(username)).to.equal(false);
      } else {
        expect(reply.text).to.equal('"ok"');
        expect(await isRegistered(username)).to.equal(true);
      }
    });

    it('lets exactly one of many concurrent registrations of one name win', async function () {
      const username = uniqueName('race');
      const replies = await Promise.all(
        Array.from({ length: 12 }, (_, i) => post('register', { username, password: `pw${i}` })),
      );
      const texts = replies.map((r) => r.text);
      expect(texts.filter((t) => t === '"ok"')).to.have.length(1);
      expect(texts.filter((t) => t === '{"error":"exists"}')).to.have.length(11);
    });

    it('ignores fields it does not use', async function () {
      const username = uniqueName();
      const reply = await post('register', { username, password: 'pw', nickname: 'x', extra: { a: [1] } });
      expect(reply.text).to.equal('"ok"');
    });
  });

  describe('private_email hook', function () {
    const storedEmail = (username: string, password: string) =>
      asUser(server.service, { username, domain: HOST, password },
        async (session) => (await loadPrivate(session, 'email', PRIVATE_EMAIL_NS))?.text(),
      );

    it('stores a valid e-mail privately for the new user and answers "ok"', async function () {
      const username = uniqueName();
      const reply = await signup({ username, password: 'pw', email: 'someone@example.org' });
      expect(reply.text).to.equal('"ok"');
      expect(await storedEmail(username, 'pw')).to.equal('someone@example.org');
    });

    it('answers {"private_email":"not_set"} without an e-mail, and the account stands', async function () {
      const username = uniqueName();
      const reply = await signup({ username, password: 'pw' });
      expect(reply.status).to.equal(200);
      expect(reply.json).to.deep.equal({ private_email: 'not_set' });
      expect(await isRegistered(username)).to.equal(true);
    });

    it('answers not_set for an invalid e-mail and stores nothing', async function () {
      const username = uniqueName();
      const reply = await signup({ username, password: 'pw', email: 'not an <email>' });
      expect(reply.json).to.deep.equal({ private_email: 'not_set' });
      expect(await storedEmail(username, 'pw')).to.equal('');
    });
  });
});

describe(`account operations against ${version.label}`, function () {
  let server: ServerUnderTest;
  let bridge: BridgeProcess;
  const HOST = 'localhost';

  before(async function () {
    server = await startServer(version);
    bridge = await startBridgeProcess(configFor(server));
  });

  after(async function () {
    await bridge?.stop();
    await server?.stop();
  });

  const post = (action: string, body: Record<string, unknown>) =>
    bridge.post(`/api/register/${action}`, { key: KEY, host: HOST, ...body });
  const isRegistered = async (username: string) =>
    (await bridge.get(`/api/register/is_registered?key=${KEY}&username=${encodeURIComponent(username)}&host=${HOST}`)).json;
  const registered = async (password = 'pw') => {
    const username = uniqueName();
    await server.register(username, HOST, password);
    return username;
  };

  describe('is_registered', function () {
    it('answers true for an account and false for a free name, as JSON booleans', async function () {
      const username = await registered();
      const yes = await bridge.get(`/api/register/is_registered?key=${KEY}&username=${username}&host=${HOST}`);
      expect(yes.status).to.equal(200);
      expect(yes.text).to.equal('true');
      const no = await bridge.get(`/api/register/is_registered?key=${KEY}&username=nobody${username}&host=${HOST}`);
      expect(no.text).to.equal('false');
    });

    it('has no side effect: a free name stays free', async function () {
      const username = uniqueName('free');
      expect(await isRegistered(username)).to.equal(false);
      expect(await isRegistered(username)).to.equal(false);
      expect(await server.exists(username, HOST)).to.equal(false);
    });
  });

  describe('unregister', function () {
    it('removes the account given its password', async function () {
      const username = await registered('right');
      const reply = await post('unregister', { username, password: 'right' });
      expect(reply.status).to.equal(200);
      expect(reply.text).to.equal('"ok"');
      expect(await isRegistered(username)).to.equal(false);
    });

    it('answers 403 not_allowed for a wrong password and keeps the account', async function () {
      const username = await registered('right');
      const reply = await post('unregister', { username, password: 'wrong' });
      expect(reply.status).to.equal(403);
      expect(reply.json).to.deep.equal({ error: 'not_allowed' });
      expect(await isRegistered(username)).to.equal(true);
    });

    it('answers 404 not_exists for an unknown account', async function () {
      const reply = await post('unregister', { username: uniqueName('ghost'), password: 'x' });
      expect(reply.status).to.equal(404);
      expect(reply.json).to.deep.equal({ error: 'not_exists' });
    });
  });

  describe('change_password', function () {
    it('changes the password when the old one is right', async function () {
      const username = await registered('old');
      const reply = await post('change_password', { username, old_password: 'old', new_password: 'new' });
      expect(reply.status).to.equal(200);
      expect(reply.text).to.equal('"ok"');
      expect((await post('unregister', { username, password: 'old' })).status).to.equal(403);
      expect((await post('unregister', { username, password: 'new' })).text).to.equal('"ok"');
    });

    it('answers 403 not_allowed for a wrong old password and changes nothing', async function () {
      const username = await registered('old');
      const reply = await post('change_password', { username, old_password: 'wrong', new_password: 'new' });
      expect(reply.status).to.equal(403);
      expect(reply.json).to.deep.equal({ error: 'not_allowed' });
      expect((await post('unregister', { username, password: 'old' })).text).to.equal('"ok"');
    });

    it('answers 404 not_exists for an unknown account', async function () {
      const reply = await post('change_password', { username: uniqueName('ghost'), old_password: 'a', new_password: 'b' });
      expect(reply.status).to.equal(404);
      expect(reply.json).to.deep.equal({ error: 'not_exists' });
    });

    it('works for a non-ASCII user with non-ASCII passwords', async function () {
      const username = `ünï-${uniqueName()}`;
      expect((await post('register', { username, password: 'ålt' })).text).to.equal('"ok"');
      const reply = await post('change_password', { username, old_password: 'ålt', new_password: 'nëu-新' });
      expect(reply.text).to.equal('"ok"');
      expect((await post('unregister', { username, password: 'nëu-新' })).text).to.equal('"ok"');
    });
  });

  describe('force_change_password', function () {
    it('sets a new password without the old one', async function () {
      const username = await registered('old');
      const reply = await post('force_change_password', { username, new_password: 'forced' });
      expect(reply.status).to.equal(200);
      expect(reply.text).to.equal('"ok"');
      expect((await post('unregister', { username, password: 'forced' })).text).to.equal('"ok"');
    });

    it('answers 404 not_exists for an unknown account', async function () {
      const reply = await post('force_change_password', { username: uniqueName('ghost'), new_password: 'x' });
      expect(reply.status).to.equal(404);
      expect(reply.json).to.deep.equal({ error: 'not_exists' });
    });

    it('answers 403 not_allowed for a password the server would not store, and changes nothing', async function () {
      const username = await registered('old');
      // A no-break space fails resourceprep: ejabberd's change-user-password
      // would answer success and keep the old password. Prosody stores it.
      const reply = await post('force_change_password', { username, new_password: 'new\u00A0pw' });
      if (server.traits.refusesUnpreppedPasswords) {
        expect(reply.status).to.equal(403);
        expect(reply.json).to.deep.equal({ error: 'not_allowed' });
        expect((await post('unregister', { username, password: 'old' })).text).to.equal('"ok"');
      } else {
        expect(reply.text).to.equal('"ok"');
        expect(await server.canLogIn(username, 'old')).to.equal(false);
      }
    });

    it("refuses the bridge's own account with 403, and it stays", async function () {
      const reply = await post('force_change_password', { username: 'admin', new_password: 'taken-over' });
      expect(reply.status).to.equal(403);
      const removal = await post('unregister', { username: 'admin', password: server.adminPassword });
      expect(removal.status).to.equal(403);
      expect(await server.canLogIn('admin', server.adminPassword)).to.equal(true);
    });

    it('requires the key', async function () {
      const username = await registered('old');
      const reply = await bridge.post('/api/register/force_change_password', { username, host: HOST, new_password: 'x' });
      expect(reply.status).to.equal(401);
      expect(reply.json).to.deep.equal({ error: 'not_allowed' });
    });
  });
});
}
