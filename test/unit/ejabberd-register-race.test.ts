// ejabberd's answer to a registration that raced another of the same name
// (from another bridge): internal-server-error, having written nothing. The
// back end then asks whether the name exists: taken is 409 exists, free
// stays a 502 (src/backends/ejabberd.ts).
import { xml } from '@xmpp/client-core';
import type { Element } from '@xmpp/xml';
import { expect } from 'chai';
import { LoginLimits } from '../../src/limits/login-limits.js';
import { Refusal } from '../../src/contract/refusal.js';
import { backendNamed } from '../../src/backends/registry.js';
import { PrecedingBounced, StanzaFailure } from '../../src/contract/xmpp-failures.js';

const NS_COMMANDS = 'http://jabber.org/protocol/commands';
const ACCOUNT = { username: 'alice', host: 'localhost' };

/** An ejabberd back end on a fake session: registration fails with internal-server-error; the existence checks answer as told. */
function backendWhere({ lastLogin, probeBounces }: { lastLogin: string; probeBounces: boolean }) {
  const sent: string[] = [];
  const session = {
    request(iq: Element): Promise<Element> {
      const query = iq.getChild('query', 'jabber:iq:register');
      const command = iq.getChild('command', NS_COMMANDS);
      if (query) {
        sent.push('register');
        return Promise.reject(new StanzaFailure('internal-server-error', '', 'wait'));
      }
      if (command) {
        const node = String(command.attrs.node);
        sent.push(node.replace(/^.*#/, ''));
        const form = xml('x', { xmlns: 'jabber:x:data', type: 'result' }, xml('field', { var: 'lastlogin' }, xml('value', {}, lastLogin)));
        return Promise.resolve(xml('iq', { type: 'result' }, xml('command', { xmlns: NS_COMMANDS, status: 'completed', node }, form)));
      }
      sent.push('probe');
      return probeBounces ? Promise.reject(new PrecedingBounced('service-unavailable')) : Promise.resolve(xml('iq', { type: 'result' }));
    },
  };
  const backend = backendNamed('ejabberd').create({
    session,
    loginAs: () => Promise.reject(new Error('no login')),
    limits: new LoginLimits({ perAccount: undefined, perClient: undefined, serverGuard: undefined }),
  });
  return { backend, sent };
}

async function refusalOf(work: Promise<unknown>): Promise<Refusal> {
  try {
    await work;
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('ejabberd registration answered internal-server-error', () => {
  it('is 409 exists when the name turns out to be taken', async () => {
    const { backend, sent } = backendWhere({ lastLogin: '2026-12-04 17:00:00', probeBounces: false });
    const refusal = await refusalOf(backend.accounts.register(ACCOUNT, 'pw'));
    expect(refusal.reason).to.equal('exists');
    expect(sent).to.deep.equal(['register', 'get-user-lastlogin']);
  });

  it('is 409 exists when the headline probe finds the account mod_last has no record of', async () => {
    const { backend, sent } = backendWhere({ lastLogin: 'Never', probeBounces: false });
    expect((await refusalOf(backend.accounts.register(ACCOUNT, 'pw'))).reason).to.equal('exists');
    expect(sent).to.deep.equal(['register', 'get-user-lastlogin', 'probe']);
  });

  it('stays a 502 upstream error when the name is still free', async () => {
    const { backend, sent } = backendWhere({ lastLogin: 'Never', probeBounces: true });
    const refusal = await refusalOf(backend.accounts.register(ACCOUNT, 'pw'));
    expect(refusal.reason).to.equal('upstream_error');
    expect(refusal.extra.errorName).to.equal('internal_server_error');
    expect(sent[0]).to.equal('register');
    expect(sent.slice(1, 3)).to.deep.equal(['get-user-lastlogin', 'probe']);
  });
});
