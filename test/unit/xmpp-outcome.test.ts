// How XMPP failures become contract reasons: honest about what is known.
import { expect } from 'chai';
import { xml } from '@xmpp/client-core';
import type { Element } from '@xmpp/xml';
import { Refusal } from '../../src/contract/refusal.js';
import { responseFor } from '../../src/http/contract.js';
import {
  CommandFailed,
  LoginRefused,
  OutcomeUnknown,
  Overloaded,
  RequestTimeout,
  SessionUnavailable,
  StanzaFailure,
  UnexpectedAnswer,
} from '../../src/contract/xmpp-failures.js';
import { ServerCapabilities } from '../../src/admin/capabilities.js';
import { explainFailure, isWrongPassword } from '../../src/contract/xmpp-outcome.js';

const explained = (error: unknown) => explainFailure(error) as Refusal;

describe('XMPP outcomes in contract terms', () => {
  it('504 when a request was sent and the outcome is unknown; 503 when nothing was sent', () => {
    expect(explained(new RequestTimeout(10)).reason).to.equal('timeout');
    expect(explained(new OutcomeUnknown('the connection to the XMPP server was lost')).reason).to.equal('timeout');
    expect(explained(new SessionUnavailable('no session')).reason).to.equal('service_unavailable');
    const busy = explained(new Overloaded(2, 'busy'));
    expect(busy.reason).to.equal('service_unavailable');
    expect(busy.extra.retryAfterSeconds).to.equal(2);
  });

  it('a failure a command reports in its result is never a success: its code decides, its text is the detail', () => {
    const cases: [number | undefined, string, number, string][] = [
      [400, 'Room already exists', 409, 'exists'],
      [409, 'conflict', 409, 'exists'],
      [404, 'unknown_user', 404, 'not_exists'],
      [403, 'AccessRules: Account does not have the right to perform the operation.', 403, 'not_allowed'],
      [400, 'error_no_vcard_found', 400, 'bad_request'],
      [500, 'internal_error', 502, 'command_failed'],
      [undefined, 'the command reported failure (res 1) and gives no reason', 502, 'command_failed'],
    ];
    for (const [code, text, status, error] of cases) {
      const response = responseFor(explained(new CommandFailed('api-commands/x', text, code)));
      expect([response.status, response.body.error], text).to.deep.equal([status, error]);
      expect(response.body.detail, text).to.contain(text);
    }
  });

  it('gives throttling by the server a Retry-After', () => {
    for (const condition of ['resource-constraint', 'policy-violation']) {
      const refusal = explained(new StanzaFailure(condition, '', 'wait'));
      expect(refusal.reason).to.equal('too_many_requests');
      expect(refusal.extra.retryAfterSeconds).to.be.greaterThan(0);
    }
  });

  it('tells a wrong password from other SASL refusals', () => {
    const wrong = new Refusal('not_allowed', 'the old password is wrong');
    expect(explainFailure(new LoginRefused('not-authorized'), {}, wrong)).to.equal(wrong);
    expect((explainFailure(new LoginRefused('temporary-auth-failure'), {}, wrong) as Refusal).reason).to.equal('service_unavailable');
    expect((explainFailure(new LoginRefused('account-disabled'), {}, wrong) as Refusal).detail).to.match(/disabled/);
    expect((explainFailure(new LoginRefused('malformed-request'), {}, wrong) as Refusal).reason).to.equal('upstream_error');
    expect(isWrongPassword(new LoginRefused('not-authorized'))).to.equal(true);
    expect(isWrongPassword(new LoginRefused('temporary-auth-failure'))).to.equal(false);
  });

  it('never reads an answer it cannot read as a fact', () => {
    expect(explained(new UnexpectedAnswer('no value')).reason).to.equal('upstream_error');
  });
});

describe('server capabilities', () => {
  const listing = (nodes: string[]): Element =>
    xml(
      'iq',
      { type: 'result' },
      xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' }, ...nodes.map((node) => xml('item', { node }))),
    );

  it('does not remember a transient listing error as "offers nothing"', async () => {
    const answers: (() => Promise<Element>)[] = [
      () => Promise.reject(new StanzaFailure('internal-server-error', '', 'wait')),
      () => Promise.resolve(listing(['urn:x#a'])),
    ];
    const capabilities = new ServerCapabilities({ request: () => (answers.shift() as () => Promise<Element>)() }, ['localhost']);
    await capabilities.refresh();
    const failed = await capabilities.current().catch((error: unknown) => error);
    expect(failed).to.be.instanceOf(Refusal);
    expect([...((await capabilities.current()).get('localhost') ?? [])]).to.deep.equal(['urn:x#a']);
  });

  it('reads service-unavailable as a host that offers no commands', async () => {
    const capabilities = new ServerCapabilities(
      { request: () => Promise.reject(new StanzaFailure('service-unavailable', '', 'cancel')) },
      ['localhost'],
    );
    expect((await capabilities.current()).get('localhost')?.size).to.equal(0);
  });
});
