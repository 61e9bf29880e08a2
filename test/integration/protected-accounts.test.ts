// Protected accounts through every path: the bridge's own account and the
// operator's `protected_accounts` are never registered, removed,
// re-passworded or kicked, whoever asks (register key, admin key, adhoc),
// on every server version (../support/server-versions.ts).
import { expect } from 'chai';
import { adminNode } from '../../src/xmpp/service-admin.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { KEY } from '../support/fixtures.js';
import { configFor, SERVER_VERSIONS, startServer, type ServerUnderTest } from '../support/server-under-test.js';

const HOST = 'localhost';
const BOSS = 'boss';
const BOSS_PASSWORD = 'boss-pw';
/** Protected but never created: registering it would hand its rights to whoever asks. */
const GHOST = 'ghost';

for (const version of SERVER_VERSIONS) {
describe(`protected accounts on ${version.label}`, function () {
  let server: ServerUnderTest;
  let bridge: BridgeProcess;
  const register = (path: string, body: Record<string, unknown>) => bridge.post(`/api/register/${path}`, { key: KEY, host: HOST, ...body });
  const admin = (command: string, args: unknown[]) => bridge.post('/api/admin', { key: KEY, command, args });
  const exists = (user: string) => server.exists(user, HOST);
  const canLogIn = (user: string, password: string) => server.canLogIn(user, password);

  before(async function () {
    server = await startServer(version);
    await server.register(BOSS, HOST, BOSS_PASSWORD);
    bridge = await startBridgeProcess(
      configFor(server, {
        protected_accounts: [`${BOSS.toUpperCase()}@${HOST}`, `${GHOST}@${HOST}`],
        api: [
          { path: 'register', module: 'register', key: KEY },
          {
            path: 'admin',
            module: 'admin',
            key: KEY,
            allowed_commands: ['register', 'unregister', 'change_password', 'kick_user', 'check_account', 'adhoc'],
            allowed_nodes: [adminNode('delete-user'), adminNode('change-user-password'), adminNode('end-user-session')],
          },
        ],
      }),
    );
  });

  after(async function () {
    await bridge?.stop();
    await server?.stop();
  });

  /** Every mutation of `user` through every path answers 403 not_allowed. */
  async function expectAllRefused(user: string, password: string): Promise<void> {
    const attempts: [string, Promise<{ status: number; json: unknown }>][] = [
      ['register/register', register('register', { username: user, password: 'new' })],
      ['register/unregister wrong', register('unregister', { username: user, password: 'wrong' })],
      ['register/unregister right', register('unregister', { username: user, password })],
      ['register/change_password', register('change_password', { username: user, old_password: password, new_password: 'new' })],
      ['register/force_change_password', register('force_change_password', { username: user, new_password: 'new' })],
      ['admin register', admin('register', [user, HOST, 'new'])],
      ['admin unregister', admin('unregister', [user, HOST])],
      ['admin change_password', admin('change_password', [user, HOST, 'new'])],
      ['admin kick_user', admin('kick_user', [user, HOST])],
      ['adhoc delete-user', admin('adhoc', [adminNode('delete-user'), { accountjids: [`${user}@${HOST}`] }])],
      ['adhoc change-user-password', admin('adhoc', [adminNode('change-user-password'), { accountjid: `${user}@${HOST}/res`, password: 'new' }])],
      ['adhoc end-user-session', admin('adhoc', [adminNode('end-user-session'), { accountjid: `${user.toUpperCase()}@LOCALHOST` }])],
    ];
    for (const [what, reply] of attempts) {
      const { status, json } = await reply;
      expect(status, what).to.equal(403);
      expect(json, what).to.deep.equal({ error: 'not_allowed' });
    }
  }

  it("refuses every mutation of the bridge's own account, in any case spelling, and the bridge keeps working", async function () {
    await expectAllRefused('ADMIN', server.adminPassword);
    await expectAllRefused('admin', server.adminPassword);
    expect(await canLogIn('admin', server.adminPassword)).to.equal(true);
    expect(await exists('admin')).to.equal(true);
    expect((await bridge.get('/ready')).status).to.equal(200);
    // Nothing was cut: the same session still serves.
    expect((await register('register', { username: 'afterwards', password: 'pw' })).json).to.equal('ok');
    await bridge.logSettled();
    expect(bridge.output.filter((l) => l.includes('"msg":"xmpp session up"'))).to.have.length(1);
  });

  it('refuses every mutation of a configured protected account', async function () {
    await expectAllRefused(BOSS, BOSS_PASSWORD);
    expect(await canLogIn(BOSS, BOSS_PASSWORD)).to.equal(true);
  });

  it('refuses to create a protected account that does not exist (its name may carry rights in ACLs)', async function () {
    await expectAllRefused(GHOST, 'whatever');
    expect(await exists(GHOST)).to.equal(false);
  });

  it('still reads protected accounts and serves everyone else', async function () {
    expect((await admin('check_account', ['admin', HOST])).json).to.equal(true);
    expect((await register('register', { username: 'someone', password: 'pw' })).json).to.equal('ok');
    expect((await register('unregister', { username: 'someone', password: 'pw' })).json).to.equal('ok');
  });
});
}
