// Server back ends (src/backends): the registry's declarations, the choice
// of a back end from what the server says it is, the Prosody protocol's
// reading of notes, never a false success, and the README's table of what
// works where (it must match the declarations).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { xml } from '@xmpp/client-core';
import type { Element } from '@xmpp/xml';
import { expect } from 'chai';
import { LoginLimits } from '../../src/limits/login-limits.js';
import { Refusal } from '../../src/contract/refusal.js';
import { explainFailure } from '../../src/contract/xmpp-outcome.js';
import { ADMIN_OPERATIONS, REGISTER_ENDPOINTS, type UserLogin } from '../../src/backends/backend.js';
import { BACKENDS, backendNamed, SERVER_KINDS } from '../../src/backends/registry.js';
import { ServerBackends, type Identified } from '../../src/backends/selector.js';
import { supportTable } from '../../src/backends/table.js';
import { requireCompleted, type CommandResult } from '../../src/xmpp/adhoc.js';
import { CommandNotCompleted, CommandNoteFailure, StanzaFailure } from '../../src/contract/xmpp-failures.js';
import { userStats } from '../../src/backends/prosody/commands.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NS_COMMANDS = 'http://jabber.org/protocol/commands';

/** A fake admin session: answers each IQ with `answer(iq)` and records what was sent. */
function fakeSession(answer: (iq: Element) => Element | Error) {
  const sent: Element[] = [];
  return {
    sent,
    request(iq: Element): Promise<Element> {
      sent.push(iq);
      const reply = answer(iq);
      return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply);
    },
  };
}

/** A completed command answer with these notes and result fields. */
function completed(notes: [string, string][], fields: Record<string, string[]> = {}, status = 'completed'): Element {
  const form = Object.keys(fields).length
    ? [xml('x', { xmlns: 'jabber:x:data', type: 'result' }, ...Object.entries(fields).map(([v, values]) => xml('field', { var: v }, ...values.map((x) => xml('value', {}, x)))))]
    : [];
  return xml(
    'iq',
    { type: 'result' },
    xml('command', { xmlns: NS_COMMANDS, status, sessionid: 's1' }, ...notes.map(([type, text]) => xml('note', { type }, text)), ...form),
  );
}

const result = (status: string, notes: { type: string; text: string }[]): CommandResult => ({
  status,
  fields: new Map(),
  form: [],
  notes,
  sessionId: undefined,
});

describe('server back ends', () => {
  it('has one back end per configurable server kind, each declaring every endpoint and command', () => {
    expect(BACKENDS.map((b) => b.kind)).to.deep.equal([...SERVER_KINDS]);
    for (const backend of BACKENDS) {
      expect(Object.keys(backend.support.register).sort()).to.deep.equal([...REGISTER_ENDPOINTS].sort());
      expect(Object.keys(backend.support.admin).sort()).to.deep.equal([...ADMIN_OPERATIONS].sort());
    }
    // ejabberd keeps today's behaviour: it serves everything.
    const ejabberd = backendNamed('ejabberd');
    expect(Object.values(ejabberd.support.admin).some((s) => 'unsupported' in s)).to.equal(false);
  });

  it("keeps the README's table of what works where in step with the declarations", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const match = /<!-- servers-table:begin -->\n([\s\S]*?)\n<!-- servers-table:end -->/.exec(readme);
    expect(match, 'README.md has the servers-table markers').to.not.equal(null);
    expect(match?.[1], 'paste supportTable() from src/backends/table.ts between the markers').to.equal(supportTable());
  });

  describe('choice of back end', () => {
    const deps = (session: ReturnType<typeof fakeSession>) => ({
      session,
      loginAs: (() => Promise.reject(new Error('no login'))) as UserLogin,
      limits: new LoginLimits({ perAccount: undefined, perClient: undefined, serverGuard: undefined }),
    });
    const identify = async (answer: (iq: Element) => Element | Error) => {
      const session = fakeSession(answer);
      const backends = new ServerBackends({ choice: 'auto', host: 'localhost', deps: deps(session) });
      const events: Identified[] = [];
      backends.on('identified', (e) => events.push(e));
      const chosen = await backends.current();
      return { kind: chosen.entry.kind, event: events[0], sent: session.sent };
    };
    const version = (name: string) =>
      xml('iq', { type: 'result' }, xml('query', { xmlns: 'jabber:iq:version' }, xml('name', {}, name), xml('version', {}, '1')));

    it('by the XEP-0092 name', async () => {
      expect((await identify(() => version('Prosody'))).kind).to.equal('prosody');
      const ejabberd = await identify(() => version('ejabberd'));
      expect(ejabberd.kind).to.equal('ejabberd');
      expect(ejabberd.event).to.include({ by: 'server', server: 'ejabberd' });
    });

    it('by the disco identity when the version is not told', async () => {
      const { kind, sent } = await identify((iq) =>
        iq.getChild('query', 'jabber:iq:version')
          ? new StanzaFailure('service-unavailable', '', 'cancel')
          : xml('iq', { type: 'result' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }, xml('identity', { category: 'server', type: 'im', name: 'Prosody' }))),
      );
      expect(kind).to.equal('prosody');
      expect(sent).to.have.length(2);
    });

    it('falls back to the first back end, saying so, for a server it does not recognise', async () => {
      const { kind, event } = await identify(() => version('Openfire'));
      expect(kind).to.equal('ejabberd');
      expect(event).to.include({ by: 'default', server: 'Openfire' });
    });

    it('asks nothing when xmpp.server fixes it', async () => {
      const session = fakeSession(() => new Error('must not be asked'));
      const backends = new ServerBackends({ choice: 'prosody', host: 'localhost', deps: deps(session) });
      await backends.refresh();
      expect((await backends.current()).entry.kind).to.equal('prosody');
      expect(session.sent).to.have.length(0);
    });

    it('does not remember a failed identification', async () => {
      let fail = true;
      const session = fakeSession(() => (fail ? new StanzaFailure('internal-server-error', '', 'wait') : version('Prosody')));
      const backends = new ServerBackends({ choice: 'auto', host: 'localhost', deps: deps(session) });
      let refused: unknown;
      await backends.current().catch((error: unknown) => (refused = error));
      expect(refused).to.be.instanceOf(Refusal);
      fail = false;
      expect((await backends.current()).entry.kind).to.equal('prosody');
    });
  });

  describe('never a false success', () => {
    it('a completed command with an error note, or a form where a completion was expected, is a failure', () => {
      expect(() => requireCompleted(result('completed', [{ type: 'error', text: 'Account already exists' }]), 'n')).to.throw(CommandNoteFailure);
      expect(() => requireCompleted(result('executing', []), 'n')).to.throw(CommandNotCompleted);
      expect(() => requireCompleted(result('completed', [{ type: 'warn', text: 'partly' }]), 'n', { warnFails: true })).to.throw(CommandNoteFailure);
      expect(requireCompleted(result('completed', [{ type: 'info', text: 'Account successfully created' }]), 'n').status).to.equal('completed');
    });

    it('maps what a note says to the contract, never to a success', () => {
      const reason = (note: string) => (explainFailure(new CommandNoteFailure('n', note)) as Refusal).reason;
      expect(reason('Account already exists')).to.equal('exists');
      expect(reason('User does not exist')).to.equal('not_exists');
      expect(reason('The following accounts could not be deleted:\nx@localhost')).to.equal('not_exists');
      expect(reason('Invalid data.\nPassword mismatch, or empty username')).to.equal('bad_request');
      const other = explainFailure(new CommandNoteFailure('n', 'Failed to write data to disk')) as Refusal;
      expect(other.reason).to.equal('upstream_error');
      expect(other.detail).to.include('Failed to write data to disk');
      expect((explainFailure(new CommandNotCompleted('n', 'executing')) as Refusal).reason).to.equal('upstream_error');
      const hatch = explainFailure(new CommandNotCompleted('n', 'executing'), { 'form-returned': ['bad_request', 'form'] }) as Refusal;
      expect(hatch.reason).to.equal('bad_request');
    });

    it("reads Prosody's user-stats: a result form exists, the error note does not, anything else is no answer", async () => {
      const jid = 'alice@localhost';
      const exists = await userStats(fakeSession(() => completed([], { rostersize: ['0'], onlineresources: ['phone', ''] })), 'localhost', jid);
      expect(exists).to.deep.equal({ resources: ['phone'] });
      expect(await userStats(fakeSession(() => completed([['error', 'User does not exist']])), 'localhost', jid)).to.equal(undefined);
      let thrown: unknown;
      await userStats(fakeSession(() => completed([])), 'localhost', jid).catch((error: unknown) => (thrown = error));
      expect(thrown).to.be.instanceOf(CommandNoteFailure);
    });
  });

  describe('Prosody unregister', () => {
    it('removes the account from the user\'s own session only, never with a <remove/> from the admin session', async () => {
      const admin = fakeSession(() => completed([], { rostersize: ['0'], onlineresources: [] }));
      const user = fakeSession(() => xml('iq', { type: 'result' }));
      const logins: string[] = [];
      const loginAs: UserLogin = (account, _password, work) => {
        logins.push(`${account.username}@${account.host}`);
        return work(user);
      };
      const backend = backendNamed('prosody').create({
        session: admin,
        loginAs,
        limits: new LoginLimits({ perAccount: { max: 5, windowSeconds: 60 }, perClient: undefined, serverGuard: undefined }),
      });
      await backend.accounts.unregister({ username: 'alice', host: 'localhost' }, 'pw');
      expect(logins).to.deep.equal(['alice@localhost']);
      expect(admin.sent.some((iq) => iq.toString().includes('<remove'))).to.equal(false);
      expect(user.sent.map((iq) => iq.toString())).to.deep.equal([
        '<iq type="set" to="localhost"><query xmlns="jabber:iq:register"><remove/></query></iq>',
      ]);
    });
  });
});
