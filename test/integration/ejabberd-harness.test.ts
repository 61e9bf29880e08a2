// The throwaway ejabberd harness, and the one ejabberd.yml.example option no
// bridge test would notice until production: the fail2ban exemption.
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { LoginRefused } from '../../src/contract/xmpp-failures.js';
import { asUser } from '../support/fixtures.js';
import { portAccepts } from '../harness/local.js';

/** 'ok', or the SASL condition the server refused the login with. */
async function login(e: ThrowawayEjabberd, username: string, password: string): Promise<string> {
  try {
    await asUser(e.service, { domain: e.host, username, password });
    return 'ok';
  } catch (err) {
    if (err instanceof LoginRefused) return err.condition;
    return String(err);
  }
}


describe('throwaway ejabberd (test/harness/ejabberd.ts)', function () {
  this.timeout(90_000);
  let e: ThrowawayEjabberd;

  before(async function () {
    e = await startEjabberd({
      hosts: ['localhost', 'example.net'],
      // Low enough to trip within the test, were loopback not exempt.
      edit: (config) => {
        const modules = config.modules as Record<string, Record<string, unknown>>;
        modules.mod_fail2ban = { ...modules.mod_fail2ban, c2s_max_auth_failures: 2 };
      },
    });
  });

  after(async function () {
    await e?.stop();
  });

  it('is running, with the bridge account on the first host', async function () {
    expect(e.host).to.equal('localhost');
    expect(e.adminJid).to.equal('admin@localhost');
    expect(e.service).to.equal(`xmpp://127.0.0.1:${e.c2sPort}`);
    const status = await e.ctl(['status']);
    expect(status.code, status.stdout + status.stderr).to.equal(0);
    expect(status.stdout).to.contain('is started');
    expect((await e.ctl(['check_account', 'admin', 'localhost'])).code).to.equal(0);
    expect((await e.ctl(['check_account', 'nobody', 'localhost'])).code).to.not.equal(0);
    expect(await login(e, 'admin', e.adminPassword)).to.equal('ok');
  });

  it('serves a second host', async function () {
    const vhosts = await e.ctl(['registered_vhosts']);
    expect(vhosts.stdout.split('\n')).to.include.members(['localhost', 'example.net']);
    await e.register('bob', 'example.net', 'bob-secret');
    expect((await e.ctl(['check_account', 'bob', 'example.net'])).code).to.equal(0);
    expect((await e.ctl(['check_account', 'bob', 'localhost'])).code).to.not.equal(0);
  });

  it('never bans loopback for failed logins (mod_fail2ban access)', async function () {
    for (let i = 0; i < 3; i++) expect(await login(e, 'admin', 'wrong')).to.equal('not-authorized');
    expect(await login(e, 'admin', e.adminPassword)).to.equal('ok');
  });

  it('stop() leaves nothing running', async function () {
    const pid = Number(readFileSync(path.join(e.dir, 'ejabberd.pid'), 'utf8'));
    await e.stop();
    expect(existsSync(e.dir)).to.equal(false);
    expect(await portAccepts(e.c2sPort)).to.equal(false);
    // Gone, or an unreaped zombie (no reaper in some containers).
    let state = 'gone';
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    } catch {
      // gone
    }
    expect(state).to.be.oneOf(['gone', 'Z']);
    await e.stop(); // idempotent
  });
});
