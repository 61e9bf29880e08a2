// The admin module of CONTRACT.md on a keyed mount: every command of the
// table against a real ejabberd and a real Prosody (one suite, run once per
// server; success and failure; a command a server's back end cannot serve
// answers 501 with a clear detail, asserted), the allow-list, argument
// errors and the escape hatch, with the false successes of issue 10 as
// regression tests. Authentication paths are in admin-auth.test.ts, a
// server without mod_announce in admin-capabilities.test.ts.
import { xml } from '@xmpp/client-core';
import type { Element } from '@xmpp/xml';
import { expect } from 'chai';
import { executeCommand } from '../../src/xmpp/adhoc.js';
import { adminNode } from '../../src/xmpp/service-admin.js';
import { createConnection } from '../../src/xmpp/connect.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { KEY, uniqueName } from '../support/fixtures.js';
import { configFor, SERVER_VERSIONS, startServer, type ServerUnderTest } from '../support/server-under-test.js';
import type { Operation } from '../../src/backends/backend.js';

const HOST = 'localhost';
const OTHER_HOST = 'example.net';

const TABLE = [
  'register', 'unregister', 'change_password', 'check_account', 'registered_users', 'registered_users_number',
  'connected_users', 'connected_users_number', 'kick_user', 'get_last', 'send_announcement', 'set_motd', 'delete_motd',
];

/** A user logged in with presence, collecting the messages it receives. */
interface OnlineUser {
  jid: string;
  nextMessage(match: (message: Element) => boolean): Promise<Element>;
  /** Resolves when the server ends the session. */
  disconnected: Promise<void>;
  stop(): Promise<void>;
}

async function goOnline(server: { service: string }, username: string, password: string): Promise<OnlineUser> {
  const { entity } = createConnection({
    service: server.service,
    username,
    domain: HOST,
    password,
    timeoutMs: 5000,
    resource: uniqueName('res'),
  });
  entity.on('error', () => undefined);
  const received: Element[] = [];
  const waiters: { match: (m: Element) => boolean; resolve: (m: Element) => void }[] = [];
  entity.on('stanza', (stanza: Element) => {
    if (stanza.is('presence') && stanza.attrs.from === String(entity.jid)) available();
    if (!stanza.is('message')) return;
    received.push(stanza);
    for (const waiter of [...waiters]) {
      if (waiter.match(stanza)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(stanza);
      }
    }
  });
  const disconnected = new Promise<void>((resolve) => entity.on('disconnect', () => resolve()));
  // The server reflects the initial presence once it has made the session available (Prosody sends
  // a headline to a bare JID only to available sessions): wait for that, not just for the write.
  let available: () => void = () => undefined;
  const reflected = new Promise<void>((resolve) => (available = resolve));
  await entity.start();
  await entity.send(xml('presence'));
  await reflected;
  return {
    jid: String(entity.jid),
    nextMessage: (match) => {
      const seen = received.find(match);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
    disconnected,
    stop: () => entity.stop().then(() => undefined, () => undefined),
  };
}

const hasBody = (text: string) => (message: Element) => message.getChildText('body') === text;

for (const version of SERVER_VERSIONS) {
describe(`admin module against ${version.label} (key)`, function () {
  let server: ServerUnderTest;
  let bridge: BridgeProcess;
  const online: OnlineUser[] = [];

  before(async function () {
    server = await startServer(version, { hosts: [HOST, OTHER_HOST] });
    bridge = await startBridgeProcess(
      configFor(server, {
        api: [
          { path: 'admin', module: 'admin', key: KEY, allowed_commands: [...TABLE, 'adhoc', 'no_such_command'], allowed_nodes: [
            adminNode('get-*'), adminNode('user-stats'), adminNode('no-such-*'), adminNode('announce'),
          ] },
          { path: 'narrow', module: 'admin', key: KEY, allowed_commands: ['check_account'] },
          { path: 'closed', module: 'admin', key: KEY },
        ],
      }),
    );
  });

  afterEach(async function () {
    await Promise.all(online.splice(0).map((user) => user.stop()));
  });

  after(async function () {
    await bridge?.stop();
    await server?.stop();
  });

  const run = (command: string, args: unknown[], path = 'admin', headers?: Record<string, string>) =>
    bridge.post(`/api/${path}`, { key: KEY, command, args }, headers);
  const exists = (user: string, host = HOST) => server.exists(user, host);
  const canLogIn = (_server: ServerUnderTest, user: string, password: string) => server.canLogIn(user, password);
  /**
   * On a server whose back end does not serve `command`: asserts that it
   * answers 501 not_supported with the back end's detail, then skips the
   * rest of the test. Nothing else is ever skipped per server.
   */
  const requireServed = async (test: Mocha.Context, command: Operation, args: unknown[]) => {
    const why = server.unsupportedCommand(command);
    if (why === undefined) return;
    const reply = await run(command, args);
    expect(reply.status, command).to.equal(501);
    expect(reply.json).to.deep.equal({ error: 'not_supported', detail: why });
    test.skip();
  };
  const registered = async (password = 'pw') => {
    const user = uniqueName('adm');
    await server.register(user, HOST, password);
    return user;
  };
  const userOnline = async (user: string, password = 'pw') => {
    const session = await goOnline(server, user, password);
    online.push(session);
    return session;
  };
  /** The current message of the day, read from edit-motd's form in an admin session of the test's own. */
  const storedMotd = () =>
    server.asAdmin(
      async (session) => {
        const { fields } = await executeCommand(session, HOST, adminNode('edit-motd'), undefined);
        return { subject: fields.get('subject') ?? [], body: fields.get('body') ?? [] };
      },
    );
  /** Number of "xmpp request" log lines so far. */
  const xmppRequests = () => bridge.output.filter((line) => line.includes('"msg":"xmpp request"')).length;
  /**
   * Asserts that `requests` sent `count` IQs to the XMPP server: a marker
   * request that sends exactly one IQ follows, and once its line is logged
   * exactly count + 1 new request lines are there.
   */
  const assertSends = async (count: number, requests: () => Promise<unknown>) => {
    await bridge.logSettled();
    const before = xmppRequests();
    await requests();
    expect((await run('check_account', ['admin', HOST])).status).to.equal(200);
    await bridge.waitForLog('xmpp request', () => xmppRequests() > before + count);
    expect(xmppRequests() - before).to.equal(count + 1);
  };
  const assertSentNothing = (refused: () => Promise<unknown>) => assertSends(0, refused);

  describe('register', function () {
    it('creates the account and answers ejabberd\'s result tuple', async function () {
      const user = uniqueName('new');
      const reply = await run('register', [user, HOST, 'secret']);
      expect(reply.status).to.equal(200);
      expect(reply.json).to.deep.equal({ ok: `User ${user}@${HOST} successfully registered` });
      expect(await canLogIn(server, user, 'secret')).to.equal(true);
    });

    it('registers on the host named, nodeprep-folding the name', async function () {
      const user = uniqueName('fold');
      const reply = await run('register', [user.toUpperCase(), OTHER_HOST, 'pw']);
      expect(reply.json).to.deep.equal({ ok: `User ${user}@${OTHER_HOST} successfully registered` });
      expect(await exists(user, OTHER_HOST)).to.equal(true);
      expect(await exists(user, HOST)).to.equal(false);
    });

    it('answers 409 exists for a taken name and keeps the password', async function () {
      const user = await registered('first');
      const reply = await run('register', [user, HOST, 'second']);
      expect(reply.status).to.equal(409);
      expect(reply.json).to.deep.equal({ error: 'exists' });
      expect(await canLogIn(server, user, 'first')).to.equal(true);
    });

    it('answers 403 for a password the server would not store, creating nothing (or registers where it is stored)', async function () {
      const user = uniqueName('emoji');
      const reply = await run('register', [user, HOST, 'x😀']);
      if (server.traits.refusesUnpreppedPasswords) {
        expect(reply.status).to.equal(403);
        expect(reply.json).to.deep.equal({ error: 'not_allowed' });
        expect(await exists(user)).to.equal(false);
      } else {
        expect(reply.status).to.equal(200);
        expect(await exists(user)).to.equal(true);
      }
    });

    it('answers 403 for a host the bridge does not serve and 400 stringprep for bad names', async function () {
      expect((await run('register', ['x', 'elsewhere.example', 'pw'])).status).to.equal(403);
      const badName = await run('register', ['a b', HOST, 'pw']);
      expect(badName.status).to.equal(400);
      expect((badName.json as { error: string }).error).to.equal('stringprep');
      const badHost = await run('register', ['x', 'bad host', 'pw']);
      expect((badHost.json as { error: string }).error).to.equal('stringprep');
    });
  });

  describe('unregister', function () {
    it('removes the account and answers {"ok":""}', async function () {
      const user = await registered();
      const reply = await run('unregister', [user, HOST]);
      expect(reply.status).to.equal(200);
      expect(reply.json).to.deep.equal({ ok: '' });
      expect(await exists(user)).to.equal(false);
    });

    it('answers 404 not_exists for an unknown account', async function () {
      const reply = await run('unregister', [uniqueName('ghost'), HOST]);
      expect(reply.status).to.equal(404);
      expect(reply.json).to.deep.equal({ error: 'not_exists' });
    });

    it("refuses the bridge's own account with 403 and keeps it", async function () {
      const reply = await run('unregister', ['admin', HOST]);
      expect(reply.status).to.equal(403);
      expect(await exists('admin')).to.equal(true);
    });
  });

  describe('change_password', function () {
    it('sets the new password and answers "ok"', async function () {
      const user = await registered('old');
      const reply = await run('change_password', [user, HOST, 'nëu-新']);
      expect(reply.status).to.equal(200);
      expect(reply.text).to.equal('"ok"');
      expect(await canLogIn(server, user, 'nëu-新')).to.equal(true);
      expect(await canLogIn(server, user, 'old')).to.equal(false);
    });

    it('answers 404 not_exists for an unknown account', async function () {
      const reply = await run('change_password', [uniqueName('ghost'), HOST, 'x']);
      expect(reply.status).to.equal(404);
      expect(reply.json).to.deep.equal({ error: 'not_exists' });
    });

    it('answers 403 for a password the server would silently not store, changing nothing', async function () {
      const user = await registered('old');
      const reply = await run('change_password', [user, HOST, 'abc\u05e9\u05dc\u05d5\u05dd']);
      // Mixed direction fails resourceprep (ejabberd) and SASLprep (Prosody, which would answer "User does not exist").
      expect(reply.status).to.equal(403);
      expect(await canLogIn(server, user, 'old')).to.equal(true);
    });
  });

  describe('check_account', function () {
    it('answers true for an account and false for a free name, as ejabberd_auth:user_exists', async function () {
      const user = await registered();
      const yes = await run('check_account', [user, HOST]);
      expect(yes.status).to.equal(200);
      expect(yes.text).to.equal('true');
      const free = uniqueName('free');
      const no = await run('check_account', [free, HOST]);
      expect(no.status).to.equal(200);
      expect(no.text).to.equal('false');
      expect(await exists(free)).to.equal(false);
    });
  });

  describe('registered_users and registered_users_number', function () {
    it('list the user names of one host, sorted, and count them', async function () {
      await requireServed(this, 'registered_users_number', [HOST]);
      await requireServed(this, 'registered_users', [HOST]);
      const user = await registered();
      const other = uniqueName('there');
      await server.register(other, OTHER_HOST, 'pw');
      const reply = await run('registered_users', [HOST]);
      expect(reply.status).to.equal(200);
      const names = reply.json as string[];
      expect(names).to.include(user).and.to.include('admin').and.not.to.include(other);
      expect(names).to.deep.equal([...names].sort());
      if (server.ejabberd) {
        const ctl = (await server.ejabberd.ctl(['registered_users', HOST])).stdout.trim().split('\n');
        expect(names).to.deep.equal(ctl);
      }
      const count = await run('registered_users_number', [HOST]);
      expect(count.status).to.equal(200);
      expect(count.json).to.equal(names.length);
    });

    it('answer 403 for a host the bridge does not serve', async function () {
      expect((await run('registered_users', ['elsewhere.example'])).status).to.equal(403);
      expect((await run('registered_users_number', ['elsewhere.example'])).status).to.equal(403);
    });
  });

  describe('connected_users and connected_users_number', function () {
    it('list full JIDs of the sessions on every host, and count the sessions', async function () {
      const user = await registered();
      const session = await userOnline(user);
      const reply = await run('connected_users', []);
      expect(reply.status).to.equal(200);
      const sessions = reply.json as string[];
      expect(sessions).to.include(session.jid);
      expect(sessions.some((jid) => jid.startsWith(`admin@${HOST}/`))).to.equal(true);
      expect(sessions.every((jid) => /^[^@/]+@[^@/]+\/.+$/.test(jid))).to.equal(true);
      const count = await run('connected_users_number', []);
      expect(count.status).to.equal(200);
      expect(count.json).to.be.a('number').and.to.be.at.least(2);
    });

    it('list every session of an account online twice, and count both (issue 10: not [] on Prosody)', async function () {
      const user = await registered();
      const first = await userOnline(user);
      const second = await userOnline(user);
      const sessions = (await run('connected_users', [])).json as string[];
      expect(sessions).to.include(first.jid).and.to.include(second.jid);
      const count = (await run('connected_users_number', [])).json as number;
      expect(count).to.be.at.least(3);
    });
  });

  describe('kick_user', function () {
    it('ends the sessions of the account and answers how many', async function () {
      const user = await registered();
      const session = await userOnline(user);
      const reply = await run('kick_user', [user, HOST]);
      expect(reply.status).to.equal(200);
      expect(reply.json).to.equal(1);
      // The server ended the session (the test would time out otherwise).
      await session.disconnected;
    });

    it('answers 0 for an account without sessions, like ejabberd', async function () {
      expect((await run('kick_user', [await registered(), HOST])).json).to.equal(0);
      expect((await run('kick_user', [uniqueName('ghost'), HOST])).json).to.equal(0);
    });

    it("refuses the bridge's own account with 403, and the bridge stays up", async function () {
      expect((await run('kick_user', ['admin', HOST])).status).to.equal(403);
      expect((await run('check_account', ['admin', HOST])).text).to.equal('true');
    });
  });

  describe('get_last', function () {
    it("answers the last activity with ejabberd get_last's timestamp", async function () {
      const user = await registered();
      await requireServed(this, 'get_last', [user, HOST]);
      const reply = await run('get_last', [user, HOST]);
      expect(reply.status).to.equal(200);
      const { timestamp, status } = reply.json as { timestamp: string; status: string };
      const [ctlTime] = (await (server.ejabberd as NonNullable<ServerUnderTest['ejabberd']>).ctl(['get_last', user, HOST])).stdout.trim().split('\t');
      expect(timestamp).to.equal(new Date(ctlTime as string).toISOString());
      expect(status).to.equal('');
    });

    it('answers ONLINE for an account with a session', async function () {
      const user = await registered();
      await requireServed(this, 'get_last', [user, HOST]);
      await userOnline(user);
      const { timestamp, status } = (await run('get_last', [user, HOST])).json as { timestamp: string; status: string };
      expect(status).to.equal('ONLINE');
      expect(new Date(timestamp).toISOString()).to.equal(timestamp);
    });

    it('answers a null timestamp and NOT FOUND for an unknown account', async function () {
      await requireServed(this, 'get_last', [uniqueName('ghost'), HOST]);
      const reply = await run('get_last', [uniqueName('ghost'), HOST]);
      expect(reply.json).to.deep.equal({ timestamp: null, status: 'NOT FOUND' });
    });
  });

  describe('send_announcement, set_motd, delete_motd', function () {
    it('send_announcement reaches every online session of the host', async function () {
      const session = await userOnline(await registered());
      const reply = await run('send_announcement', [HOST, 'Maintenance', 'Down at 10:00\nBack at 10:30']);
      expect(reply.status).to.equal(200);
      expect(reply.text).to.equal('"ok"');
      const message = await session.nextMessage(hasBody('Down at 10:00\nBack at 10:30'));
      expect(message.getChildText('subject')).to.equal('Maintenance');
    });

    it('set_motd stores the message of the day and sends it to online sessions; delete_motd removes it', async function () {
      await requireServed(this, 'delete_motd', [HOST]);
      await requireServed(this, 'set_motd', [HOST, 'Welcome', 'Read the rules']);
      const session = await userOnline(await registered());
      const set = await run('set_motd', [HOST, 'Welcome', 'Read the rules']);
      expect(set.text).to.equal('"ok"');
      await session.nextMessage(hasBody('Read the rules'));
      expect(await storedMotd()).to.deep.equal({ subject: ['Welcome'], body: ['Read the rules'] });

      const deleted = await run('delete_motd', [HOST]);
      expect(deleted.text).to.equal('"ok"');
      // mod_announce works through its queue in order: once a later announcement arrives, the deletion is done.
      await run('send_announcement', [HOST, '', 'after delete']);
      await session.nextMessage(hasBody('after delete'));
      expect(await storedMotd()).to.deep.equal({ subject: [], body: [] });
    });

    it('refuse an empty body with 400 and an unserved host with 403', async function () {
      const empty = await run('send_announcement', [HOST, 'subject', '']);
      expect(empty.status).to.equal(400);
      expect((empty.json as { detail: string }).detail).to.match(/body/);
      expect((await run('set_motd', [HOST, 's', ''])).status).to.equal(400);
      expect((await run('delete_motd', ['elsewhere.example'])).status).to.equal(403);
    });
  });

  describe('arguments', function () {
    it('answer 400 bad_request naming the expected arguments for a wrong count', async function () {
      const reply = await run('register', ['x', HOST]);
      expect(reply.status).to.equal(400);
      expect(reply.json).to.deep.equal({
        error: 'bad_request',
        detail: 'register takes args [user, host, password]; got 2',
      });
      expect((await run('connected_users', ['extra'])).status).to.equal(400);
    });

    it('answer 400 for a wrong type, a non-list, an empty string, or a missing command', async function () {
      const wrongType = await run('unregister', ['x', 42]);
      expect(wrongType.status).to.equal(400);
      expect((wrongType.json as { detail: string }).detail).to.equal(
        'args[1] (host) must be a string; unregister takes args [user, host]',
      );
      const notList = await bridge.post('/api/admin', { key: KEY, command: 'registered_users', args: HOST });
      expect(notList.status).to.equal(400);
      expect((await run('check_account', ['', HOST])).status).to.equal(400);
      const noCommand = await bridge.post('/api/admin', { key: KEY, args: [] });
      expect(noCommand.status).to.equal(400);
    });

    it('refuse text that would break the shared XMPP session, sending nothing, while other requests go on', async function () {
      // The one good request among them sends one IQ (get-user-lastlogin).
      await assertSends(1, async () => {
        const replies = await Promise.all([
          run('register', ['ctl', HOST, 'pass\u0001word']),
          run('send_announcement', [HOST, 'subject\u0000', 'body']),
          run('check_account', ['admin', HOST]),
          run('register', ['x'.repeat(2000), HOST, 'pw']),
        ]);
        expect(replies.map((r) => r.status)).to.deep.equal([400, 400, 200, 400]);
      });
      expect(await exists('ctl')).to.equal(false);
    });

    it('never repeat a password in an answer', async function () {
      const reply = await run('register', ['ok', HOST, 'secret\u0001']);
      expect(reply.text).not.to.include('secret');
    });
  });

  describe('allow-list', function () {
    it('answers 403 for a command outside allowed_commands before anything is sent', async function () {
      await assertSentNothing(async () => {
        const reply = await run('register', [uniqueName('no'), HOST, 'pw'], 'narrow');
        expect(reply.status).to.equal(403);
        expect(reply.json).to.deep.equal({ error: 'not_allowed' });
      });
      expect((await run('check_account', ['admin', HOST], 'narrow')).text).to.equal('true');
    });

    it('allows nothing on a mount without allowed_commands', async function () {
      for (const command of ['check_account', 'registered_users', 'adhoc']) {
        expect((await run(command, [], 'closed')).status, command).to.equal(403);
      }
    });

    it('answers 400 for an allowed command the bridge does not know, and warned of it at start-up', async function () {
      const reply = await run('no_such_command', []);
      expect(reply.status).to.equal(400);
      expect((reply.json as { detail: string }).detail).to.match(/^unknown command; known: register, /);
      await bridge.waitForLog('unknown admin command in allowed_commands', (l) => l.command === 'no_such_command');
      expect((await run('no_such_command', [], 'narrow')).status).to.equal(403);
    });
  });

  describe('adhoc escape hatch', function () {
    it('runs a node allowed_nodes admits and answers its result form as an object', async function () {
      if (server.unsupportedCommand('registered_users') === undefined) {
        const count = await run('adhoc', [adminNode('get-registered-users-num'), {}]);
        expect(count.status).to.equal(200);
        const users = (await run('registered_users', [HOST])).json as string[];
        expect(count.json).to.deep.equal({ registeredusersnum: String(users.length) });
      }

      const user = await registered();
      const session = await userOnline(user);
      const stats = await run('adhoc', [adminNode('user-stats'), { accountjid: `${user}@${HOST}` }, HOST]);
      expect(stats.status).to.equal(200);
      const form = stats.json as Record<string, unknown>;
      if (server.traits.userStatsNamesAccount) expect(form.accountjid).to.equal(`${user}@${HOST}`);
      expect(form.onlineresources).to.deep.equal([session.jid.split('/')[1]]);
    });

    it('refuses a node outside allowed_nodes with 403, sending nothing', async function () {
      await assertSentNothing(async () => {
        const reply = await run('adhoc', [adminNode('delete-user'), { accountjids: ['admin@localhost'] }]);
        expect(reply.status).to.equal(403);
      });
      expect(await exists('admin')).to.equal(true);
    });

    it('answers 501 not_supported for an allowed node the server does not offer', async function () {
      const reply = await run('adhoc', [adminNode('no-such-node'), {}]);
      expect(reply.status).to.equal(501);
      expect((reply.json as { error: string }).error).to.equal('not_supported');
    });

    it('answers 404 not_exists for user-stats of a missing account where the server says so, never {} (issue 10)', async function () {
      const reply = await run('adhoc', [adminNode('user-stats'), { accountjid: `${uniqueName('ghost')}@${HOST}` }, HOST]);
      if (server.traits.userStatsTellsMissing) {
        expect(reply.status).to.equal(404);
        expect(reply.json).to.deep.equal({ error: 'not_exists' });
      } else {
        // ejabberd answers user-stats of a missing account like an offline one's.
        expect(reply.status).to.equal(200);
        expect((reply.json as Record<string, unknown>).onlineresources).to.deep.equal([]);
      }
    });

    it("answers the node's form when no field is submitted (documented behaviour)", async function () {
      const reply = await run('adhoc', [adminNode('announce'), {}]);
      expect(reply.status).to.equal(200);
      expect(reply.json).to.have.property('subject');
    });

    it('answers an error, never a success, when submitted fields get a form back instead of a completion (issue 10)', async function () {
      const session = await userOnline(await registered());
      const body = uniqueName('hatch');
      const reply = await run('adhoc', [adminNode('announce'), { subject: 's', announcement: body, body }]);
      if (server.traits.announceNeedsTwoSteps) {
        expect(reply.status).to.equal(400);
        expect((reply.json as { error: string; detail: string }).detail).to.match(/form/);
      } else {
        expect(reply.status).to.equal(200);
        await session.nextMessage(hasBody(body));
      }
    });

    it('answers 400 for malformed fields', async function () {
      expect((await run('adhoc', [adminNode('user-stats'), ['accountjid']])).status).to.equal(400);
      expect((await run('adhoc', [adminNode('user-stats'), { accountjid: 5 }])).status).to.equal(400);
      expect((await run('adhoc', [adminNode('user-stats')])).status).to.equal(400);
    });
  });

  describe('formats', function () {
    it('renders results as mod_restful XML on request', async function () {
      const user = uniqueName('xml');
      const reply = await run('register', [user, HOST, 'pw'], 'admin', { accept: 'application/xml' });
      expect(reply.status).to.equal(200);
      expect(reply.text).to.equal(
        `<?xml version="1.0" encoding="UTF-8"?><struct><entry key="ok">User ${user}@${HOST} successfully registered</entry></struct>`,
      );
    });
  });
});
}
