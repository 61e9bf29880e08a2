// Capability discovery: against an ejabberd without mod_announce, the bridge
// warns at start-up about every allowed command the server cannot serve and
// answers them 501 naming the module; once the server offers the module and
// the bridge reconnects, they work.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import YAML from 'yaml';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { bridgeConfig, KEY, uniqueName } from '../support/fixtures.js';

const HOST = 'localhost';
const ANNOUNCING = ['send_announcement', 'set_motd', 'delete_motd'];

describe('admin commands the server does not offer', function () {
  let server: ThrowawayEjabberd;
  let bridge: BridgeProcess;

  before(async function () {
    server = await startEjabberd({
      edit: (config) => {
        delete (config.modules as Record<string, unknown>).mod_announce;
      },
    });
    bridge = await startBridgeProcess(
      bridgeConfig(server, {
        api: [{ path: 'admin', module: 'admin', key: KEY, allowed_commands: ['register', 'check_account', ...ANNOUNCING] }],
      }),
    );
  });

  after(async function () {
    await bridge?.stop();
    await server?.stop();
  });

  const run = (command: string, args: unknown[]) => bridge.post('/api/admin', { key: KEY, command, args });
  const ups = () => bridge.output.filter((line) => line.includes('"msg":"xmpp session up"')).length;

  it('warns at start-up about each allowed command the server cannot serve, naming the module', async function () {
    for (const command of ANNOUNCING) {
      const warning = await bridge.waitForLog('admin command not supported by the XMPP server', (l) => l.command === command);
      expect(warning.level).to.equal(40);
      expect(warning.modules).to.deep.equal(['mod_announce']);
    }
    const warned = bridge.output.filter((line) => line.includes('admin command not supported by the XMPP server'));
    expect(warned).to.have.length(ANNOUNCING.length);
  });

  it('answers 501 not_supported with a detail naming the missing module', async function () {
    const cases: [string, unknown[]][] = [
      ['send_announcement', [HOST, 's', 'b']],
      ['set_motd', [HOST, 's', 'b']],
      ['delete_motd', [HOST]],
    ];
    for (const [command, args] of cases) {
      const reply = await run(command, args);
      expect(reply.status, command).to.equal(501);
      const { error, detail } = reply.json as { error: string; detail: string };
      expect(error).to.equal('not_supported');
      expect(detail).to.include('mod_announce').and.to.include('http://jabber.org/protocol/admin#');
    }
  });

  it('still serves the commands it can', async function () {
    const user = uniqueName('cap');
    expect((await run('register', [user, HOST, 'pw'])).status).to.equal(200);
    expect((await run('check_account', [user, HOST])).text).to.equal('true');
  });

  it('lists the commands again on reconnect, and serves what the server now offers', async function () {
    // Give the server mod_announce again; reload_config applies it without a restart.
    const file = path.join(server.dir, 'ejabberd.yml');
    const config = YAML.parseDocument(await readFile(file, 'utf8'));
    config.setIn(['modules', 'mod_announce'], config.createNode({ access: 'announce' }));
    await writeFile(file, config.toString({ lineWidth: 0 }));
    const reloaded = await server.ctl(['reload_config']);
    expect(reloaded.code, reloaded.stdout + reloaded.stderr).to.equal(0);
    // Until the bridge reconnects it goes by its last listing.
    expect((await run('delete_motd', [HOST])).status).to.equal(501);

    const up = bridge.output.find((line) => line.includes('"msg":"xmpp session up"')) ?? '{}';
    const resource = String((JSON.parse(up) as { jid?: string }).jid).split('/')[1] ?? '';
    await bridge.logSettled();
    const before = ups();
    const kicked = await server.ctl(['kick_session', 'admin', HOST, resource, 'test']);
    expect(kicked.code, kicked.stdout + kicked.stderr).to.equal(0);
    await bridge.waitForLog('xmpp session up', () => ups() > before);

    const reply = await run('delete_motd', [HOST]);
    expect(reply.status).to.equal(200);
    expect(reply.text).to.equal('"ok"');
  });
});
