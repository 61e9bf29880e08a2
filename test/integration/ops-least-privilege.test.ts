// docs/deploy.md tells operators to give the bridge a dedicated account that
// is NOT in ejabberd's `admin` ACL, with only the access rules it needs:
// register_from (XEP-0077 registration of other accounts) and configure
// (the XEP-0133 commands behind is_registered, force_change_password and
// the admin module). This checks that those rights are enough.
import { expect } from 'chai';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { KEY, uniqueName } from '../support/fixtures.js';

const HOST = 'localhost';

describe('a dedicated bridge account outside the admin ACL (docs/deploy.md)', function () {
  let server: ThrowawayEjabberd;
  let bridge: BridgeProcess;

  before(async function () {
    server = await startEjabberd({
      edit: (config) => {
        const acl = config.acl as Record<string, unknown>;
        // The server's administrators are someone else; the bridge account
        // (admin@localhost in this harness) is only in the `bridge` ACL.
        acl.admin = { user: [`root@${HOST}`] };
        acl.bridge = { user: [`admin@${HOST}`] };
        const rules = config.access_rules as Record<string, unknown>;
        rules.configure = [{ allow: 'admin' }, { allow: 'bridge' }];
        rules.register_from = { allow: 'bridge' };
      },
    });
    bridge = await startBridgeProcess({
      xmpp: { service: server.service, jid: server.adminJid, password: server.adminPassword, request_timeout_ms: 5000 },
      hosts: server.hosts,
      api: [
        { path: 'register', module: 'register', key: KEY },
        { path: 'admin', module: 'admin', key: KEY, allowed_commands: ['registered_users', 'check_account'] },
      ],
      log: { level: 'debug' },
    });
  });

  after(async function () {
    await bridge?.stop();
    await server?.stop();
  });

  it('can do everything the register module and admin commands ask', async function () {
    const account = { key: KEY, username: uniqueName('least'), host: HOST };
    const post = (route: string, body: Record<string, unknown>) => bridge.post(`/api/register/${route}`, { ...account, ...body });
    expect((await post('register', { password: 'first' })).text).to.equal('"ok"');
    const registered = await bridge.get(`/api/register/is_registered?key=${KEY}&username=${account.username}&host=${HOST}`);
    expect(registered.text).to.equal('true');
    expect((await post('change_password', { old_password: 'first', new_password: 'second' })).text).to.equal('"ok"');
    expect((await post('force_change_password', { new_password: 'third' })).text).to.equal('"ok"');
    const users = await bridge.post('/api/admin', { key: KEY, command: 'registered_users', args: [HOST] });
    expect(users.status).to.equal(200);
    expect(users.json).to.include(account.username);
    expect((await post('unregister', { password: 'third' })).text).to.equal('"ok"');
    expect((await server.ctl(['check_account', account.username, HOST])).code).to.not.equal(0);
  });
});
