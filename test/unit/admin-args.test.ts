import { expect } from 'chai';
import { Refusal } from '../../src/contract/refusal.js';
import { MAX_TEXT_BYTES, readArgs } from '../../src/api/admin/args.js';
import { servedHost } from '../../src/contract/account.js';
import { commandNamed, COMMANDS } from '../../src/api/admin/commands.js';
import { nodeMatcher } from '../../src/api/admin/node-patterns.js';

const refusalOf = (f: () => unknown): Refusal => {
  try {
    f();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('admin command arguments', () => {
  it('reads positional args by their names', () => {
    const args = readArgs('register', ['user', 'host', 'password'], ['Alice', 'LocalHost', 'pw']);
    expect(args.text('password')).to.equal('pw');
    expect(args.account(['localhost'])).to.deep.equal({ username: 'alice', host: 'localhost' });
  });

  it('names the expected args when the count is wrong', () => {
    for (const given of [['a'], ['a', 'b', 'c', 'd']]) {
      const refusal = refusalOf(() => readArgs('register', ['user', 'host', 'password'], given));
      expect(refusal.reason).to.equal('bad_request');
      expect(refusal.detail).to.equal(`register takes args [user, host, password]; got ${given.length}`);
    }
  });

  it('accepts missing args for a command without any, and optional trailing ones', () => {
    expect(() => readArgs('connected_users', [], undefined)).not.to.throw();
    const args = readArgs('adhoc', ['node', 'fields', 'host?'], ['n', {}]);
    expect(args.optionalText('host')).to.equal(undefined);
    expect(readArgs('adhoc', ['node', 'fields', 'host?'], ['n', {}, 'h']).optionalText('host')).to.equal('h');
  });

  it('refuses wrong types, non-lists and empty values, never echoing them', () => {
    const cases: unknown[] = [['a', 5], 'a,b', { 0: 'a' }, ['', 'h'], ['a', null]];
    for (const given of cases) {
      const refusal = refusalOf(() => readArgs('unregister', ['user', 'host'], given));
      expect(refusal.reason, JSON.stringify(given)).to.equal('bad_request');
      expect(refusal.detail).to.include('unregister takes args [user, host]');
    }
  });

  it('lets message text span lines but refuses control characters and oversize text', () => {
    expect(readArgs('set_motd', ['host', 'subject', 'body'], ['h', '', 'a\nb\r\n\tc']).text('body')).to.equal('a\nb\r\n\tc');
    for (const body of ['a\u0000b', 'x\u001bb', 'é'.repeat(MAX_TEXT_BYTES / 2 + 1), '']) {
      expect(refusalOf(() => readArgs('set_motd', ['host', 'subject', 'body'], ['h', 's', body])).reason).to.equal('bad_request');
    }
    expect(refusalOf(() => readArgs('register', ['user', 'host', 'password'], ['u', 'h', 'a\nb'])).reason).to.equal('bad_request');
  });

  it('reads ad-hoc fields as strings or lists of strings', () => {
    const fields = readArgs('adhoc', ['node', 'fields'], ['n', { a: 'x', b: ['y', 'z'], c: [] }]).fields();
    expect(fields).to.deep.equal({ a: 'x', b: ['y', 'z'], c: [] });
    for (const bad of [['a'], { a: 1 }, { a: [1] }, { '': 'x' }, { 'a\u0001': 'x' }, { a: 'x\u0002' }, null]) {
      expect(refusalOf(() => readArgs('adhoc', ['node', 'fields'], ['n', bad])).reason, JSON.stringify(bad)).to.equal('bad_request');
    }
  });

  it('checks hosts: nameprep, then served', () => {
    expect(servedHost('LOCALHOST', ['localhost'])).to.equal('localhost');
    expect(refusalOf(() => servedHost('bad host', ['localhost'])).reason).to.equal('stringprep');
    expect(refusalOf(() => servedHost('other', ['localhost'])).reason).to.equal('not_allowed');
  });

  it('knows only its own command names', () => {
    expect(commandNamed('register')).to.equal(COMMANDS.register);
    expect(commandNamed('constructor')).to.equal(undefined);
    expect(commandNamed('__proto__')).to.equal(undefined);
  });
});

describe('allowed_nodes patterns', () => {
  it('match whole node names, * standing for any run of characters', () => {
    const allowed = nodeMatcher(['http://jabber.org/protocol/admin#get-*', 'exact.node']);
    expect(allowed('http://jabber.org/protocol/admin#get-online-users-list')).to.equal(true);
    expect(allowed('exact.node')).to.equal(true);
    expect(allowed('exactXnode')).to.equal(false);
    expect(allowed('http://jabber.org/protocol/admin#delete-user')).to.equal(false);
    expect(allowed('x http://jabber.org/protocol/admin#get-a')).to.equal(false);
  });

  it('admit nothing when empty', () => {
    expect(nodeMatcher([])('anything')).to.equal(false);
  });
});
