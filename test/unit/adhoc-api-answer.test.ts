import { expect } from 'chai';
import { lonelyRescodeFailure, resultFields } from '../../src/backends/ejabberd/adhoc-api/answer.js';
import { type CommandResult, type FormField } from '../../src/xmpp/adhoc.js';
import { CommandFailed, UnexpectedAnswer } from '../../src/contract/xmpp-failures.js';

// Shapes as ejabberd 26.07's mod_adhoc_api answers them (seen on the server).
const ARGS = (pairs: [string, string][]): FormField[] => [
  { name: '', type: 'fixed', values: [], label: 'Arguments' },
  ...pairs.map(([name, value]) => ({ name, type: undefined, values: [value] })),
  { name: '', type: 'fixed', values: [] },
  { name: '', type: 'fixed', values: [], label: 'Result' },
];
const completed = (form: FormField[]): CommandResult => ({ status: 'completed', fields: new Map(), form, notes: [], sessionId: undefined });

describe('mod_adhoc_api answers', () => {
  it('keeps only the result fields, never the echoed arguments', () => {
    const fields = resultFields(
      'api-commands/check_password',
      completed([...ARGS([['user', 'carol'], ['host', 'localhost'], ['password', 'hunter2']]), { name: 'res', type: 'text-single', values: ['0'], label: 'res' }]),
      ['hunter2'],
    );
    expect(fields.map((f) => f.name)).to.deep.equal(['res']);
    expect(JSON.stringify(fields)).not.to.contain('hunter2');
  });

  it('turns an error field into CommandFailed with its code, masking secrets', () => {
    const answer = completed([
      ...ARGS([['user', 'nobody'], ['newpass', 'hunter2']]),
      { name: 'error', type: 'text-single', values: ['unknown_user hunter2'], label: 'Error 404' },
    ]);
    expect(() => resultFields('api-commands/change_password', answer, ['hunter2']))
      .to.throw(CommandFailed)
      .that.satisfies((e: CommandFailed) => e.code === 404 && e.text === 'unknown_user ***');
  });

  it('refuses an answer without the Result heading', () => {
    expect(() => resultFields('api-commands/x', completed([{ name: 'res', type: 'text-single', values: ['0'] }]), [])).to.throw(UnexpectedAnswer);
  });

  it('reads a lone res field as a rescode', () => {
    const field = (v: string): FormField[] => [{ name: 'res', type: 'text-single', values: [v] }];
    expect(lonelyRescodeFailure('n', field('0'))).to.equal(undefined);
    expect(lonelyRescodeFailure('n', field('1'))).to.be.instanceOf(CommandFailed);
    expect(lonelyRescodeFailure('n', field('x'))).to.be.instanceOf(CommandFailed);
    expect(lonelyRescodeFailure('n', [{ name: 'users', type: 'text-multi', values: ['1'] }])).to.equal(undefined);
  });
});
