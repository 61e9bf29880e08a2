// is_registered, and every not_exists decision, is true for every account,
// with or without mod_last: the headline probe decides where mod_last cannot.
import { expect } from 'chai';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { asUser, bridgeConfig, canLogIn, KEY, uniqueName } from '../support/fixtures.js';

const HOST = 'localhost';

describe('existence without mod_last', function () {
  let server: ThrowawayEjabberd;
  let bridge: BridgeProcess;

  before(async function () {
    server = await startEjabberd({
      edit: (config) => {
        delete (config.modules as Record<string, unknown>).mod_last;
      },
    });
    bridge = await startBridgeProcess(bridgeConfig(server));
  });
  after(async function () {
    await bridge?.stop();
    await server?.stop();
  });

  const isRegistered = async (username: string) =>
    (await bridge.get(`/api/register/is_registered?key=${KEY}&username=${encodeURIComponent(username)}&host=${HOST}`)).json;
  const post = (path: string, body: Record<string, unknown>) => bridge.post(`/api/register/${path}`, { key: KEY, host: HOST, ...body });

  it('tells existing accounts (never logged in, offline, online) from absent ones', async function () {
    const created = uniqueName('exist');
    await server.register(created, HOST, 'pw');
    expect(await isRegistered(created)).to.equal(true);
    const registered = uniqueName('exist');
    expect((await post('register', { username: registered, password: 'pw' })).json).to.equal('ok');
    expect(await isRegistered(registered)).to.equal(true);
    expect(await isRegistered(uniqueName('absent'))).to.equal(false);
    // Online, and the headline it receives is harmless: the session stays up.
    const online = await asUser(server.service, { username: created, domain: HOST, password: 'pw' }, async () => isRegistered(created));
    expect(online).to.equal(true);
  });

  it('changes passwords of, and removes, accounts mod_last has no record of', async function () {
    const username = uniqueName('exist');
    await server.register(username, HOST, 'old');
    expect((await post('change_password', { username, old_password: 'old', new_password: 'new' })).json).to.equal('ok');
    expect((await post('force_change_password', { username, new_password: 'newer' })).json).to.equal('ok');
    expect(await canLogIn(server, username, 'newer')).to.equal(true);
    expect((await post('unregister', { username, password: 'newer' })).json).to.equal('ok');
    expect(await isRegistered(username)).to.equal(false);
    expect((await post('unregister', { username, password: 'newer' })).status).to.equal(404);
  });

  it('answers many concurrent checks, mixed with registrations, each right', async function () {
    const names = Array.from({ length: 40 }, (_, i) => [uniqueName('mix'), i % 2 === 0] as const);
    await Promise.all(names.filter(([, exists]) => exists).map(([name]) => post('register', { username: name, password: 'pw' })));
    const answers = await Promise.all(names.map(([name]) => isRegistered(name)));
    expect(answers).to.deep.equal(names.map(([, exists]) => exists));
  });
});
