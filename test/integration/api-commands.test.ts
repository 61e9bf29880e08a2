// Every ejabberd command by name, against ejabberd 26.07 (Debian 13
// backports) with mod_adhoc_api, from the repo's example config plus its
// mod_adhoc_api snippet; and against the host's 23.01, which has no
// mod_adhoc_api: the same names answer 501, the module's own commands work.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { EVERY_COMMAND_WARNING } from '../../src/api/admin/module.js';
import { CATALOGUE } from '../../src/backends/ejabberd/adhoc-api/catalogue.js';
import { parseHelp } from '../../src/backends/ejabberd/adhoc-api/spec.js';
import { requireRoot } from '../harness/debian-root.js';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startProsody, type ThrowawayProsody } from '../harness/prosody.js';
import { findAbove } from '../harness/local.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { bridgeConfig, canLogIn, KEY, uniqueName } from '../support/fixtures.js';

const HOST = 'localhost';
const MUC = `conference.${HOST}`;

/** ejabberd.mod_adhoc_api.yml.example merged into the example config, as its comments say. */
export function withAdhocApi(config: Record<string, unknown>): void {
  const snippet = YAML.parse(readFileSync(findAbove('ejabberd.mod_adhoc_api.yml.example'), 'utf8')) as Record<string, Record<string, unknown>>;
  for (const section of ['modules', 'api_permissions']) {
    config[section] = { ...(config[section] as Record<string, unknown>), ...snippet[section] };
  }
}

interface Listed {
  name: string;
  args: { name: string; type: string; list: boolean }[];
  result: string;
  typed: boolean;
}

describe('every ejabberd command by name: ejabberd 26.07 with mod_adhoc_api', function () {
  let server: ThrowawayEjabberd;
  let bridge: BridgeProcess;
  const carol = uniqueName('carol');
  const dave = uniqueName('dave');
  const admin = (command: string, args?: unknown) => bridge.post('/api/admin', { key: KEY, command, ...(args === undefined ? {} : { args }) });

  before(async function () {
    server = await startEjabberd({ root: requireRoot('trixie-backports'), edit: withAdhocApi });
    await server.register(carol, HOST, 'carol-pw');
    await server.register(dave, HOST, 'dave-pw');
    bridge = await startBridgeProcess(
      bridgeConfig(server, {
        api: [
          { path: 'admin', module: 'admin', key: KEY, allowed_commands: ['*'], allowed_nodes: ['api-commands/*'] },
          { path: 'readonly', module: 'admin', key: KEY, allowed_commands: ['get_*', 'registered_users'] },
        ],
      }),
    );
  });

  after(async function () {
    await bridge?.stop();
    await server?.stop();
  });

  it('runs MUC, roster and vCard commands with positional and named args, with typed results', async function () {
    const room = uniqueName('room');
    expect(await admin('create_room', [room, MUC, HOST])).to.deep.include({ status: 200, json: 'ok' });
    const rooms = await admin('muc_online_rooms', ['global']);
    expect(rooms.status).to.equal(200);
    expect(rooms.json).to.include(`${room}@${MUC}`);
    // A list argument: the contact's groups.
    expect(await admin('add_rosteritem', [carol, HOST, dave, HOST, 'Dave', ['Friends'], 'both'])).to.deep.include({ status: 200, json: 'ok' });
    expect(await admin('get_roster', { user: carol, host: HOST })).to.deep.include({
      status: 200,
      json: [{ jid: `${dave}@${HOST}`, nick: 'Dave', subscription: 'both', pending: 'undefined', groups: 'Friends' }],
    });
    expect(await admin('set_vcard', { user: carol, host: HOST, name: 'FN', content: 'Carol C.' })).to.deep.include({ status: 200, json: 'ok' });
    expect(await admin('get_vcard', { user: carol, host: HOST, name: 'FN' })).to.deep.include({ status: 200, json: 'Carol C.' });
    expect(await admin('stats', ['registeredusers'])).to.deep.include({ status: 200 });
    expect(typeof (await admin('stats', ['registeredusers'])).json).to.equal('number');
    // The module's own registered_users keeps its body.
    expect((await admin('registered_users', [HOST])).json).to.include.members([carol, dave]);
  });

  it('answers failures with 4xx/5xx and the server text, never 200, never echoing a password', async function () {
    const room = uniqueName('room');
    await admin('create_room', [room, MUC, HOST]);
    const again = await admin('create_room', [room, MUC, HOST]);
    expect(again.status).to.equal(409);
    expect(again.json).to.deep.equal({ error: 'exists', detail: 'the XMPP server reported: Room already exists' });
    const wrong = await admin('check_password', [carol, HOST, 'not-carols-pw-123']);
    expect(wrong.status).to.equal(403);
    expect(JSON.stringify(wrong.json)).not.to.contain('not-carols-pw-123');
    const right = await admin('check_password', [carol, HOST, 'carol-pw']);
    expect(right).to.deep.include({ status: 200, json: 'ok' });
    expect(JSON.stringify(right.json)).not.to.contain('carol-pw');
    const noVcard = await admin('get_vcard', [dave, HOST, 'NICKNAME']);
    expect(noVcard.status).to.equal(400);
    const missing = await admin('ban_account', [uniqueName('ghost'), HOST, 'spam']);
    expect(missing.status).to.be.within(400, 599);
    // Through the escape hatch the same rules hold.
    const hatch = await admin('adhoc', ['api-commands/check_password', { user: carol, host: HOST, password: 'also-wrong-456' }]);
    expect(hatch.status).to.equal(403);
    expect(JSON.stringify(hatch.json)).not.to.contain('also-wrong-456');
    const hatchOk = await admin('adhoc', ['api-commands/check_password', { user: carol, host: HOST, password: 'carol-pw' }]);
    expect(hatchOk).to.deep.include({ status: 200, json: { res: '0' } });
  });

  it('refuses wrong arity, unknown names and wrong types with 400 naming the argument, sending nothing', async function () {
    expect(await admin('get_roster', [carol])).to.deep.include({ status: 400 });
    const unknown = await admin('get_roster', { user: carol, hots: HOST });
    expect(unknown.status).to.equal(400);
    expect((unknown.json as { detail: string }).detail).to.contain('hots');
    const typed = await admin('add_rosteritem', [carol, HOST, dave, HOST, 'Dave', 'not-a-list', 'both']);
    expect(typed.status).to.equal(400);
    expect((typed.json as { detail: string }).detail).to.contain('groups');
    expect((await admin('no_such_command_xyz', [])).status).to.equal(400);
  });

  it("never lets a command name the bridge's own account: user+host, a JID, a list of JIDs", async function () {
    const refused = [
      admin('change_password', ['admin', HOST, 'taken-over']),
      admin('adhoc', ['api-commands/change_password', { user: 'admin', host: HOST, newpass: 'taken-over' }]),
      admin('adhoc', ['api-commands/unregister', { user: 'admin', host: HOST }]),
      admin('ban_account', ['ADMIN', HOST, 'x']),
      admin('send_message', ['chat', `admin@${HOST}/x`, `${carol}@${HOST}`, '', 'hi']),
      admin('add_rosteritem', [carol, HOST, 'admin', HOST, 'A', ['g'], 'both']),
    ];
    for (const reply of await Promise.all(refused)) expect(reply).to.deep.include({ status: 403, json: { error: 'not_allowed' } });
    expect(await canLogIn(server, 'admin', server.adminPassword)).to.equal(true);
  });

  it("warns at start-up that '*' opens every command, and says what the patterns admit once the commands are learned", async function () {
    await bridge.waitForLog(EVERY_COMMAND_WARNING, (line) => line.mount === 'admin');
    const admitted = await bridge.waitForLog('admin commands that allowed_commands patterns admit on this server', (line) => line.mount === 'readonly');
    const names = admitted.commands as string[];
    expect(names).to.include.members(['get_roster', 'get_vcard']);
    expect(names.every((n) => n.startsWith('get_') || n === 'registered_users')).to.equal(true);
  });

  it('lists what a mount may run, with arguments and result shapes, learned from the server', async function () {
    const all = await bridge.get(`/api/admin/commands?key=${KEY}`);
    expect(all.status).to.equal(200);
    const commands = (all.json as { commands: Listed[] }).commands;
    const roster = commands.find((c) => c.name === 'get_roster');
    expect(roster).to.deep.include({ typed: true, args: [{ name: 'user', type: 'binary', list: false }, { name: 'host', type: 'binary', list: false }] });
    expect(commands.find((c) => c.name === 'add_rosteritem')?.args.find((a) => a.name === 'groups')).to.deep.include({ list: true });
    const readonly = (await bridge.get(`/api/readonly/commands?key=${KEY}`)).json as { commands: Listed[] };
    expect(readonly.commands.map((c) => c.name).every((n) => n.startsWith('get_') || n === 'registered_users')).to.equal(true);
    expect(readonly.commands.map((c) => c.name)).to.include.members(['get_roster', 'get_last', 'registered_users']);
    expect((await bridge.post('/api/readonly', { key: KEY, command: 'create_room', args: ['r', MUC, HOST] })).status).to.equal(403);
    // The OpenAPI document (and so the API page) shows one request body per command a mount may run.
    type Doc = { paths: Record<string, { post?: { requestBody: { content: Record<string, { examples: Record<string, { value: { command: string; args: unknown } }> }> } } }> };
    const document = (await bridge.get('/api/openapi.json')).json as Doc;
    const examplesOf = (path: string) => document.paths[path]?.post?.requestBody.content['application/json']?.examples ?? {};
    expect(examplesOf('/api/admin').get_roster?.value).to.deep.equal({ key: '<key>', command: 'get_roster', args: ['<user>', '<host>'] });
    expect(examplesOf('/api/admin').add_rosteritem?.value.args).to.deep.include(['<group>']);
    expect(Object.keys(examplesOf('/api/readonly')).every((n) => n.startsWith('get_') || n === 'registered_users')).to.equal(true);
  });

  it('walks every command the server lists: its form is read, typed from the catalogue, and a protected account in any argument is refused', async function () {
    const commands = ((await bridge.get(`/api/admin/commands?key=${KEY}`)).json as { commands: Listed[] }).commands;
    const own = new Set(['register', 'unregister', 'change_password', 'check_account', 'registered_users', 'registered_users_number', 'connected_users', 'connected_users_number', 'kick_user', 'get_last', 'send_announcement', 'set_motd', 'delete_motd', 'adhoc']);
    const api = commands.filter((c) => !own.has(c.name));
    expect(api.length).to.be.greaterThan(150);
    // `help` has no API spec (ejabberdctl's own); every other command is typed from the catalogue.
    const untyped = api.filter((c) => !c.typed).map((c) => c.name);
    expect(untyped, 'commands the catalogue does not know').to.deep.equal(['help']);
    // The catalogue names the arguments the server's own forms ask for, in order
    // (mod_adhoc_api puts user and host first for commands run on a user's behalf).
    for (const command of api.filter((c) => c.typed)) {
      const spec = CATALOGUE.commands[command.name]?.args.map((a) => a.name) ?? [];
      const asked = command.args.map((a) => a.name);
      const expected = [...new Set(asked.length > spec.length ? ['user', 'host', ...spec] : spec)];
      expect([command.name, asked]).to.deep.equal([command.name, expected]);
    }
    // Fill every text argument with the bridge's JID (lists and tuples too); integers with 1.
    const naming = api.filter((c) => c.args.some((a) => !a.type.startsWith('integer')));
    const fill = (type: string): unknown => {
      if (type === 'integer') return 1;
      if (type.startsWith('[')) return [fill(type.slice(type.indexOf('::') + 2, type.lastIndexOf(']')).trim())];
      if (type.startsWith('{')) {
        return Object.fromEntries([...type.matchAll(/(\w+)::(\w+)/g)].map(([, name, t]) => [name, t === 'integer' ? 1 : `admin@${HOST}`]));
      }
      return `admin@${HOST}`;
    };
    for (const command of naming) {
      const reply = await admin(command.name, command.args.map((a) => fill(a.type)));
      expect([command.name, reply.status]).to.deep.equal([command.name, 403]);
    }
    expect(await canLogIn(server, 'admin', server.adminPassword)).to.equal(true);
  });

  it("the committed catalogue says what this server's ejabberdctl help says (a sample of every shape; the script's --check reads all)", async function () {
    // Reading all ~200 boots an Erlang VM per command (minutes of CPU): a
    // sample with every kind of argument and result is read here.
    const sample = ['get_roster', 'add_rosteritem', 'create_room_with_opts', 'connected_users_info', 'stats', 'status', 'check_password', 'get_last', 'srg_create', 'send_message', 'muc_online_rooms', 'get_vcard2_multi'];
    const read = await Promise.all(sample.map(async (name) => parseHelp((await server.ctl(['help', name])).stdout)));
    expect(read).to.deep.equal(sample.map((name) => CATALOGUE.commands[name]));
  });
});

describe('every ejabberd command by name: ejabberd 23.01 (no mod_adhoc_api)', function () {
  let server: ThrowawayEjabberd;
  let bridge: BridgeProcess;
  const admin = (command: string, args?: unknown) => bridge.post('/api/admin', { key: KEY, command, ...(args === undefined ? {} : { args }) });

  before(async function () {
    server = await startEjabberd();
    bridge = await startBridgeProcess(bridgeConfig(server, { api: [{ path: 'admin', module: 'admin', key: KEY, allowed_commands: ['*'] }] }));
  });

  after(async function () {
    await bridge?.stop();
    await server?.stop();
  });

  it('answers 501 naming what is needed for a command the module does not map, and runs its own', async function () {
    const reply = await admin('get_roster', ['carol', HOST]);
    expect(reply.status).to.equal(501);
    expect((reply.json as { detail: string }).detail).to.contain('ejabberd 25.03+ with mod_adhoc_api');
    const user = uniqueName('u');
    expect((await admin('register', [user, HOST, 'pw-123'])).status).to.equal(200);
    expect((await admin('check_account', [user, HOST])).json).to.equal(true);
    const listed = (await bridge.get(`/api/admin/commands?key=${KEY}`)).json as { commands: Listed[] };
    expect(listed.commands.map((c) => c.name)).to.include('register').and.not.include('get_roster');
  });
});

describe('ban_account and unban_account: Prosody 13.0.6 (XEP-0133 disable-user / reenable-user)', function () {
  let server: ThrowawayProsody;
  let bridge: BridgeProcess;
  const admin = (command: string, args?: unknown) => bridge.post('/api/admin', { key: KEY, command, ...(args === undefined ? {} : { args }) });

  before(async function () {
    server = await startProsody({ root: requireRoot('trixie-backports') });
    bridge = await startBridgeProcess(
      bridgeConfig(server, {
        api: [{ path: 'admin', module: 'admin', key: KEY, allowed_commands: ['register', 'ban_account', 'unban_account', 'get_roster'] }],
      }),
    );
  });

  after(async function () {
    await bridge?.stop();
    await server?.stop();
  });

  it("disables and re-enables an account, refuses the bridge's own, and answers 501 for other names", async function () {
    const user = uniqueName('u');
    expect((await admin('register', [user, HOST, 'pw-123456'])).status).to.equal(200);
    expect(await admin('ban_account', [user, HOST, 'spam'])).to.deep.include({ status: 200, json: 'ok' });
    expect(await canLogIn(server, user, 'pw-123456')).to.equal(false);
    expect(await admin('unban_account', { user, host: HOST })).to.deep.include({ status: 200, json: 'ok' });
    expect(await canLogIn(server, user, 'pw-123456')).to.equal(true);
    expect(await admin('ban_account', ['admin', HOST, 'x'])).to.deep.include({ status: 403 });
    expect(await canLogIn(server, 'admin', server.adminPassword)).to.equal(true);
    const other = await admin('get_roster', [user, HOST]);
    expect(other.status).to.equal(501);
    expect((other.json as { detail: string }).detail).to.contain('ejabberd 25.03+ with mod_adhoc_api');
  });
});
