// The OpenAPI document as a value (valid, consistent with the contract's
// status table, usable for client generation) and the XMPP observer's labels
// (bounded, never request data).
import { xml } from '@xmpp/client-core';
import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { Refusal, type Reason } from '../../src/accounts/refusal.js';
import type { Mount } from '../../src/config/config.js';
import { responseFor } from '../../src/http/contract.js';
import { openApiDocument } from '../../src/ops/openapi.js';
import { NOT_READY_DETAIL, opsRoutes } from '../../src/ops/routes.js';
import { LoginRefused, RequestTimeout, SessionUnavailable, StanzaFailure } from '../../src/xmpp/errors.js';
import { operationOf, outcomeOf } from '../../src/xmpp/observe.js';

type Operation = { operationId: string; security?: unknown[]; requestBody?: { content: Record<string, { schema: { required: string[] } }> }; responses: Record<string, unknown> };
type Doc = { paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, unknown>> };

const MOUNTS: Mount[] = [
  { module: 'register', path: 'register', key: 'k', hooks: [] },
  { module: 'register', path: 'sign-up', key: 'k', hooks: ['private_email'] },
  { module: 'register', path: 'sign_up', key: 'k', hooks: [] },
  { module: 'admin', path: 'admin', key: 'k', allowedCommands: [], allowedNodes: [] },
  { module: 'admin', path: 'basic', key: undefined, allowedCommands: [], allowedNodes: [] },
];

const ALL_REASONS: Reason[] = [
  'bad_request', 'too_large', 'method_not_allowed', 'unsupported_media_type', 'missing_parameters', 'stringprep',
  'unauthenticated', 'not_allowed', 'not_found', 'not_exists', 'exists', 'too_many_requests', 'not_supported',
  'service_unavailable', 'timeout', 'internal_error', 'upstream_error',
];

const operations = (doc: Doc) => Object.values(doc.paths).flatMap((item) => Object.values(item));

describe('OpenAPI document', function () {
  const doc = openApiDocument({ basePath: '/api', mounts: MOUNTS, metricsOnMain: true }) as unknown as Doc;

  it('is valid OpenAPI 3.1 with every $ref resolvable', async function () {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    expect(() => validator.resolveRefs()).to.not.throw();
  });

  it('is refused by the validator once broken (the check bites)', async function () {
    const broken = structuredClone(doc);
    delete (broken.paths['/health']?.get?.responses['200'] as Record<string, unknown>).description;
    expect((await new Validator().validate(broken)).valid).to.equal(false);
  });

  it('documents only statuses and error names that the contract table can produce', function () {
    const contract = new Map<number, Set<string>>();
    for (const reason of ALL_REASONS) {
      const { status, body } = responseFor(new Refusal(reason, 'x'));
      contract.set(status, (contract.get(status) ?? new Set()).add(body.error));
    }
    const responses = doc.components.responses as Record<string, { content: Record<string, { schema: { properties: { error: { enum?: string[] } } } }> }>;
    for (const [name, response] of Object.entries(responses)) {
      const status = Number(name.slice(1));
      expect(contract.has(status), name).to.equal(true);
      for (const error of response.content['application/json']?.schema.properties.error.enum ?? []) {
        expect([...(contract.get(status) ?? [])], name).to.include(error);
      }
    }
    for (const operation of operations(doc)) {
      for (const status of Object.keys(operation.responses)) {
        if (status !== '200') expect(contract.has(Number(status)), `${operation.operationId} ${status}`).to.equal(true);
      }
    }
  });

  it('gives every operation a unique identifier a client generator can use', function () {
    const ids = operations(doc).map((o) => o.operationId);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const id of ids) expect(id).to.match(/^[A-Za-z_][A-Za-z0-9_]*$/);
  });

  it('asks for the key where a mount has one, and for HTTP Basic where an admin mount has none', function () {
    const keyed = doc.paths['/api/admin']?.post;
    expect(keyed?.requestBody?.content['application/json']?.schema.required).to.include.members(['command', 'key']);
    expect(keyed?.security).to.equal(undefined);
    const basic = doc.paths['/api/basic']?.post;
    expect(basic?.requestBody?.content['application/json']?.schema.required).to.deep.equal(['command']);
    expect(basic?.security).to.deep.equal([{ basicAuth: [] }]);
    expect(doc.components.securitySchemes).to.have.property('basicAuth');
  });

  it('lists /metrics only when it is served on the main listener', function () {
    const own = openApiDocument({ basePath: '/rest', mounts: [], metricsOnMain: false }) as unknown as Doc;
    expect(Object.keys(own.paths).sort()).to.deep.equal(['/health', '/ready', '/rest/openapi.json']);
  });
});

describe('readiness', function () {
  const readyWith = (reason: string | undefined) => {
    const routes = opsRoutes({ basePath: '/api', notReady: () => reason, metrics: undefined, openApi: {} });
    const ready = routes.find((r) => r.path === '/ready');
    if (!ready) throw new Error('no /ready route');
    return ready.handle();
  };

  it('answers ready while nothing stands in the way', async function () {
    expect(await readyWith(undefined)).to.deep.equal({ type: 'application/json; charset=utf-8', body: '{"status":"ready"}' });
  });

  it('refuses with one generic detail, never the reason (no key is needed to ask)', async function () {
    const reasons = [
      'cannot connect to the XMPP server: connect ECONNREFUSED 127.0.0.1:5222',
      'cannot connect to the XMPP server: getaddrinfo ENOTFOUND xmpp.internal.example',
      "the XMPP server refused the bridge's login (policy-violation: Too many (3) failed authentications from this IP address)",
      'the bridge is shutting down',
    ];
    for (const reason of reasons) {
      const refusal = await readyWith(reason).then(
        () => expect.fail(`ready despite "${reason}"`),
        (error: unknown) => error,
      );
      expect(refusal).to.be.instanceOf(Refusal);
      const { status, body } = responseFor(refusal as Refusal);
      expect(status).to.equal(503);
      expect(body).to.deep.equal({ error: 'service_unavailable', detail: NOT_READY_DETAIL });
    }
    expect(NOT_READY_DETAIL).to.match(/log/);
    expect(NOT_READY_DETAIL).to.not.match(/\d/);
  });
});

describe('XMPP observer labels', function () {
  it('names an IQ by its payload element, namespace and ad-hoc node, never by its content', function () {
    const register = xml('iq', { type: 'set', to: 'localhost' },
      xml('query', { xmlns: 'jabber:iq:register' }, xml('username', {}, 'alice'), xml('password', {}, 'hunter2-secret')));
    expect(operationOf(register)).to.equal('query jabber:iq:register');
    const command = xml('iq', { type: 'set' },
      xml('command', { xmlns: 'http://jabber.org/protocol/commands', node: 'http://jabber.org/protocol/admin#add-user', action: 'execute' }));
    expect(operationOf(command)).to.equal('command http://jabber.org/protocol/admin#add-user');
    const oddNode = xml('iq', { type: 'set' }, xml('command', { xmlns: 'http://jabber.org/protocol/commands', node: 'user alice secret' }));
    expect(operationOf(oddNode)).to.equal('command http://jabber.org/protocol/commands');
  });

  it('reports a bounded set of outcomes', function () {
    expect(outcomeOf(new StanzaFailure('conflict', '', 'cancel'))).to.equal('conflict');
    expect(outcomeOf(new StanzaFailure('made-up-by-a-server', 'alice', 'cancel'))).to.equal('stanza-error');
    expect(outcomeOf(new RequestTimeout(10))).to.equal('timeout');
    expect(outcomeOf(new SessionUnavailable('x'))).to.equal('unavailable');
    expect(outcomeOf(new LoginRefused('not-authorized'))).to.equal('refused');
    expect(outcomeOf(new Error('x'))).to.equal('error');
  });
});
