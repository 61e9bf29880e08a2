// The parts bridge.ts wires, tested without starting the process: the one
// cluster retry, the start-up summary and warnings.
import { expect } from 'chai';
import { configWarnings, startupSummary } from '../../src/config/startup.js';
import { resolveConfig } from '../../src/config/load.js';
import { askAgainAfterSettle } from '../../src/xmpp/cluster-settle.js';

const minimal = (extra: Record<string, unknown> = {}) => ({
  xmpp: { service: 'xmpp://127.0.0.1:5222', jid: 'admin@localhost', password: 'secret-password' },
  hosts: ['localhost'],
  api: [{ path: 'register', module: 'register', key: 'a-register-key' }],
  ...extra,
});

describe('wiring parts', () => {
  it('asks once more after the cluster settles, only when the outcome may be "not here yet"', async () => {
    let calls = 0;
    const absentThenPresent = () => Promise.resolve(calls++ > 0);
    expect(await askAgainAfterSettle(absentThenPresent, (o) => 'value' in o && !o.value)).to.equal(true);
    expect(calls).to.equal(2);

    calls = 0;
    expect(await askAgainAfterSettle(() => Promise.resolve(calls++), () => false)).to.equal(0);
    expect(calls).to.equal(1);

    const refused = new Error('refused');
    let tries = 0;
    const failing = () => {
      tries += 1;
      return Promise.reject(refused);
    };
    await askAgainAfterSettle(failing, () => false).then(
      () => expect.fail('should reject'),
      (error: unknown) => expect(error).to.equal(refused),
    );
    expect(tries).to.equal(1);
    await askAgainAfterSettle(failing, (o) => 'error' in o).catch(() => undefined);
    expect(tries).to.equal(3);
  });

  it('warns at start-up about server_guard while it is on, and summarises without secrets', async () => {
    const guarded = await resolveConfig(minimal(), { env: {}, baseDir: '.' });
    const off = await resolveConfig(minimal({ limits: { failed_logins: { server_guard: 'off' } } }), { env: {}, baseDir: '.' });
    expect(configWarnings(guarded).map((w) => w.message)).to.have.length(1);
    expect(configWarnings(guarded)[0]?.message).to.match(/^limits\.failed_logins\.server_guard is on/);
    expect(configWarnings(off)).to.deep.equal([]);
    const summary = JSON.stringify(startupSummary(guarded));
    expect(summary).to.include('admin@localhost').and.not.include('secret-password').and.not.include('a-register-key');
  });
});
