// The bridge's own SASL (src/xmpp/sasl) against ejabberd: SCRAM-SHA-256
// where offered, SCRAM-SHA-1 otherwise, ASCII and non-ASCII credentials.
import { expect } from 'chai';
import type { Element } from '@xmpp/xml';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { createConnection } from '../../src/xmpp/connect.js';
import { LoginRefused } from '../../src/contract/xmpp-failures.js';
import { asUser } from '../support/fixtures.js';

/** Logs in and reports the mechanism the client chose, or 'refused'. */
async function login(server: ThrowawayEjabberd, username: string, password: string): Promise<string> {
  const connection = createConnection({ service: server.service, domain: server.host, username, password, timeoutMs: 5000 });
  let mechanism = 'none';
  connection.entity.on('send', (element: Element) => {
    if (element.name === 'auth') mechanism = String(element.attrs.mechanism);
  });
  connection.entity.on('error', () => undefined);
  try {
    await connection.entity.start();
    return mechanism;
  } catch {
    return 'refused';
  } finally {
    await connection.entity.stop().catch(() => undefined);
  }
}

const ACCOUNTS = [
  ['plain', 'ascii-password'],
  ['jürgen', 'pässwörd'],
  ['用户', '密码-ключ'],
  ['a=b,c', 'p=,q'],
] as const;

describe('SASL against ejabberd', function () {
  describe('with ejabberd.yml.example (SCRAM-SHA-256 hashes)', function () {
    let server: ThrowawayEjabberd;
    before(async () => {
      server = await startEjabberd();
      for (const [user, password] of ACCOUNTS) await server.register(user, server.host, password);
    });
    after(async () => server?.stop());

    for (const [user, password] of ACCOUNTS) {
      it(`logs in ${user} with SCRAM-SHA-256`, async function () {
        expect(await login(server, user, password)).to.equal('SCRAM-SHA-256');
      });
    }

    it('is refused with a wrong password, as LoginRefused', async function () {
      expect(await login(server, 'jürgen', 'passwörd')).to.equal('refused');
      try {
        await asUser(server.service, { username: 'jürgen', domain: server.host, password: 'wrong' });
        expect.fail('expected LoginRefused');
      } catch (error) {
        expect(error).to.be.instanceOf(LoginRefused);
        expect((error as LoginRefused).condition).to.equal('not-authorized');
      }
    });
  });

  describe('with SCRAM-SHA-1 hashes', function () {
    let server: ThrowawayEjabberd;
    before(async () => {
      server = await startEjabberd({ edit: (config) => void (config.auth_scram_hash = 'sha') });
      for (const [user, password] of ACCOUNTS) await server.register(user, server.host, password);
    });
    after(async () => server?.stop());

    for (const [user, password] of ACCOUNTS) {
      it(`logs in ${user} with SCRAM-SHA-1`, async function () {
        expect(await login(server, user, password)).to.equal('SCRAM-SHA-1');
      });
    }
  });
});
