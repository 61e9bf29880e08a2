// The throwaway Prosody (test/harness/prosody.ts): runs from prosody.cfg.lua.example
// itself, is ready when it says so, and leaves nothing behind; and a bridge
// told `xmpp.server: prosody` uses that back end without asking.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { findProsodyExample, startProsody, throwawayConfig } from '../harness/prosody.js';
import { startBridgeProcess } from '../support/bridge-process.js';
import { KEY, uniqueName } from '../support/fixtures.js';
import { configFor, hostServer, startServer } from '../support/server-under-test.js';

describe('throwaway Prosody', function () {
  it('runs from prosody.cfg.lua.example with its port, paths and hosts substituted, and cleans up', async function () {
    const server = await startProsody({ hosts: ['localhost', 'example.net'] });
    let pid: number | undefined;
    try {
      const written = await readFile(server.configFile, 'utf8');
      const example = await readFile(findProsodyExample(), 'utf8');
      expect(written).to.equal(throwawayConfig(example, { dir: server.dir, port: server.c2sPort, hosts: server.hosts }));
      expect(written).to.include(`c2s_ports = { ${server.c2sPort} }`).and.to.include('VirtualHost "example.net"');
      expect(written).to.include('run_as_root = true').and.to.include('unlimited_jids = { "admin@localhost" }');
      // The example offers no STARTTLS (no certificate): the bridge could not log in otherwise.
      expect(example).to.not.match(/^\s*"tls";/m);
      pid = Number.parseInt(readFileSync(`${server.dir}/prosody.pid`, 'utf8'), 10);
      expect(isAlive(pid)).to.equal(true);
    } finally {
      await server.stop();
    }
    expect(existsSync(server.dir)).to.equal(false);
    expect(pid).to.be.a('number');
    expect(isAlive(pid)).to.equal(false);
    await server.stop(); // idempotent
  });

  it('serves a bridge fixed to the prosody back end by xmpp.server', async function () {
    const server = await startServer(hostServer('prosody'));
    try {
      const config = configFor(server);
      const bridge = await startBridgeProcess({ ...config, xmpp: { ...(config.xmpp as object), server: 'prosody' } });
      try {
        const chosen = await bridge.waitForLog('xmpp server back end chosen');
        expect(chosen).to.include({ kind: 'prosody', by: 'config' });
        const username = uniqueName('fixed');
        const reply = await bridge.post('/api/register/register', { key: KEY, host: server.host, username, password: 'pw' });
        expect(reply.text).to.equal('"ok"');
        expect(await server.exists(username)).to.equal(true);
      } finally {
        await bridge.stop();
      }
    } finally {
      await server.stop();
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
