// ejabberd API commands over mod_adhoc_api: typed arguments in, typed results out.
import { expect } from 'chai';
import { commandFromForm, submission } from '../../src/backends/ejabberd/adhoc-api/directory.js';
import { parseHelp, typeText } from '../../src/backends/ejabberd/adhoc-api/spec.js';
import { answeredType, ArgumentProblem, decodeResult, encodeArgument } from '../../src/backends/ejabberd/adhoc-api/values.js';
import { type CommandResult, type FormField } from '../../src/xmpp/adhoc.js';
import { CommandFailed, UnexpectedAnswer } from '../../src/contract/xmpp-failures.js';

const CONTACT = { tuple: ['jid', 'nick', 'subscription', 'pending'].map((name) => ({ name, type: 'string' })).concat([{ name: 'groups', type: { list: { name: 'group', type: 'string' } } } as never]) };
const field = (name: string, values: string[], type = 'text-single'): FormField => ({ name, type, values });

describe('ejabberd API commands: arguments', () => {
  it('writes integers from numbers or digits, lists as several values, tuples as a:b:c', () => {
    expect(encodeArgument('integer', 12)).to.deep.equal(['12']);
    expect(encodeArgument('integer', '-3')).to.deep.equal(['-3']);
    expect(encodeArgument({ list: { name: 'group', type: 'binary' } }, ['Friends', 'Team 1'])).to.deep.equal(['Friends', 'Team 1']);
    const option = { tuple: [{ name: 'name', type: 'binary' }, { name: 'value', type: 'binary' }] };
    expect(encodeArgument({ list: { name: 'option', type: option } }, [{ name: 'members_only', value: 'true' }, ['public', 'false']])).to.deep.equal(['members_only:true', 'public:false']);
  });

  it('refuses wrong types, and tuple elements mod_adhoc_api would split or drop, without repeating the value', () => {
    const problem = (type: Parameters<typeof encodeArgument>[0], value: unknown) => {
      try {
        encodeArgument(type, value);
      } catch (error) {
        expect(error).to.be.instanceOf(ArgumentProblem);
        return (error as ArgumentProblem).problem;
      }
      return expect.fail('accepted');
    };
    expect(problem('integer', 1.5)).to.contain('integer');
    expect(problem('integer', 'twelve')).to.contain('integer').and.not.contain('twelve');
    expect(problem('binary', { a: 1 })).to.contain('string');
    expect(problem({ list: { name: 'g', type: 'binary' } }, 'Friends')).to.contain('list');
    const pair = { tuple: [{ name: 'name', type: 'binary' }, { name: 'value', type: 'binary' }] };
    expect(problem(pair, { name: 'a', value: 'b:c' })).to.contain("':'");
    expect(problem(pair, { name: 'a', value: '' })).to.contain('non-empty');
    expect(problem(pair, { name: 'a' })).to.contain('{name, value}');
    expect(problem(pair, { name: 'a', value: 'b', extra: 'x' })).to.contain('extra');
  });

  it('takes arguments in the form order or by name, each name once, and refuses wrong arity and unknown names', () => {
    const form: CommandResult = {
      status: 'executing',
      fields: new Map(),
      notes: [],
      sessionId: undefined,
      form: [
        { name: '', type: 'fixed', values: [], label: 'Arguments' },
        field('user', ['']),
        field('host', ['localhost']),
        field('user', ['']),
        field('host', ['localhost']),
        { name: '', type: 'fixed', values: [], label: 'Clustering' },
        field('mod_adhoc_api_target_node', ['ej@localhost'], 'list-single'),
      ],
    };
    const command = commandFromForm('get_roster', form);
    expect(command.args.map((a) => a.name)).to.deep.equal(['user', 'host']);
    expect(command.spec?.result.name).to.equal('contacts');
    expect(submission(command, ['carol', 'localhost'])).to.deep.equal({ user: ['carol'], host: ['localhost'] });
    expect(submission(command, { host: 'localhost', user: 'carol' })).to.deep.equal({ user: ['carol'], host: ['localhost'] });
    expect(() => submission(command, ['carol'])).to.throw(ArgumentProblem, 'takes args [user, host]');
    expect(() => submission(command, { user: 'carol', hots: 'x' })).to.throw(ArgumentProblem, 'unknown argument hots');
    expect(() => submission(command, 'carol')).to.throw(ArgumentProblem, 'list or an object');
  });
});

describe('ejabberd API commands: results', () => {
  it('types results: integers, lists, tuples with their names, rescodes and result tuples', () => {
    expect(decodeResult('n', { name: 'stat', type: 'integer' }, [field('stat', ['2'])])).to.equal(2);
    expect(decodeResult('n', { name: 'users', type: { list: { name: 'u', type: 'string' } } }, [field('users', [''], 'text-multi')])).to.deep.equal([]);
    expect(decodeResult('n', { name: 'res', type: 'rescode' }, [field('res', ['0'])])).to.equal('ok');
    expect(() => decodeResult('api-commands/ban_account', { name: 'res', type: 'rescode' }, [field('res', ['1'])])).to.throw(CommandFailed);
    expect(decodeResult('n', { name: 'res', type: 'restuple' }, [field('res', ['line 1', 'line 2'])])).to.deep.equal({ ok: 'line 1\nline 2' });
    expect(decodeResult('n', { name: 'contacts', type: { list: { name: 'contact', type: CONTACT } } }, [field('contacts', ['carol@localhost : Carol : both : undefined : friends'], 'text-multi')]))
      .to.deep.equal([{ jid: 'carol@localhost', nick: 'Carol', subscription: 'both', pending: 'undefined', groups: 'friends' }]);
  });

  it('never guesses: a tuple that does not split into its elements, or a non-integer, is an unreadable answer', () => {
    const tuple = { tuple: [{ name: 'a', type: 'string' }, { name: 'b', type: 'string' }] };
    expect(() => decodeResult('n', { name: 'x', type: tuple }, [field('x', ['1 : 2 : 3'])])).to.throw(UnexpectedAnswer);
    expect(() => decodeResult('n', { name: 'x', type: 'integer' }, [field('x', ['many'])])).to.throw(UnexpectedAnswer);
  });

  it('reads results of commands the catalogue does not know as text, tuples as arrays', () => {
    expect(decodeResult('n', undefined, [field('x', ['a : b', 'c'], 'text-multi')])).to.deep.equal([['a', 'b'], 'c']);
    expect(decodeResult('n', undefined, [field('a', ['1']), field('b', ['x', 'y'])])).to.deep.equal({ a: '1', b: 'x\ny' });
  });

  it('documents a list inside a tuple as the text the server sends', () => {
    expect(typeText(answeredType({ list: { name: 'contact', type: CONTACT } }))).to.equal(
      '[ contact::{ jid::string, nick::string, subscription::string, pending::string, groups::string } ]',
    );
  });
});

describe('ejabberdctl help, read', () => {
  it('reads names, types, nested results and descriptions', () => {
    const spec = parseHelp(`  Command Name: get_roster

  Arguments: user::binary : User name
             host::binary
             
  Result: contacts::[ contact::{ jid::string,
                                  groups::[ group::string ] } ]

  Tags: roster

  Module: mod_admin_extra

  Description: Get list of contacts in a local user roster
`);
    expect(spec).to.deep.equal({
      name: 'get_roster',
      args: [{ name: 'user', type: 'binary', desc: 'User name' }, { name: 'host', type: 'binary' }],
      result: { name: 'contacts', type: { list: { name: 'contact', type: { tuple: [{ name: 'jid', type: 'string' }, { name: 'groups', type: { list: { name: 'group', type: 'string' } } }] } } } },
      desc: 'Get list of contacts in a local user roster',
      tags: ['roster'],
      module: 'mod_admin_extra',
    });
  });
});
