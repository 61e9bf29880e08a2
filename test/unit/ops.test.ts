// The OpenAPI document as a value (valid, consistent with the contract's
// status table, usable for client generation) and the XMPP observer's labels
// (bounded, never request data).
import { Script } from 'node:vm';
import { xml } from '@xmpp/client-core';
import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { Refusal, type Reason } from '../../src/contract/refusal.js';
import type { Mount } from '../../src/config/config.js';
import { responseFor } from '../../src/http/contract.js';
import { DOCS_CSP } from '../../src/ops/docs-headers.js';
import { BODY_KEY_EXTENSION, openApiDocument } from '../../src/ops/openapi.js';
import { KEY_PLACEHOLDER } from '../../src/ops/openapi-examples.js';
import { NOT_READY_DETAIL, opsRoutes } from '../../src/ops/routes.js';
import { LoginRefused, RequestTimeout, SessionUnavailable, StanzaFailure } from '../../src/contract/xmpp-failures.js';
import { operationOf, outcomeOf } from '../../src/xmpp/observe.js';

type Media = { schema: { required: string[] }; example?: unknown; examples?: Record<string, { value: unknown }> };
type Operation = {
  operationId: string;
  security?: Record<string, unknown>[];
  parameters?: { name?: string; $ref?: string }[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
  [BODY_KEY_EXTENSION]?: string;
};
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

const METRICS = { contentType: 'text/plain', text: () => Promise.resolve('') };

/** The document as the bridge serves it: the mounts' operations and the operational routes' own. */
async function servedDocument(basePath: string, mounts: Mount[], more: { metrics?: typeof METRICS; docs?: boolean } = {}): Promise<Doc> {
  const routes = opsRoutes({ basePath, notReady: () => undefined, metrics: more.metrics, docs: more.docs, openApi: () => openApiDocument({ basePath, mounts }) });
  const served = await routes.find((r) => r.path === `${basePath}/openapi.json`)?.handle();
  return JSON.parse(String(served?.body)) as Doc;
}

describe('OpenAPI document', function () {
  let doc: Doc;
  before(async function () {
    doc = await servedDocument('/api', MOUNTS, { metrics: METRICS, docs: true });
  });

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

  it('gives every request body and every answer, errors included, an example in each media type', function () {
    const examplesOf = (media: Media) => (media.example !== undefined ? [media.example] : Object.values(media.examples ?? {}).map((e) => e.value));
    for (const operation of operations(doc)) {
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
        expect(examplesOf(media), `${operation.operationId} request ${type}`).to.not.be.empty;
      }
      const answer = operation.responses['200'];
      for (const [type, media] of Object.entries(answer?.content ?? {})) {
        // This document and the API page's files are what they are: no example.
        if (operation.operationId !== 'openapi' && !operation.operationId.startsWith('docs')) expect(examplesOf(media), `${operation.operationId} 200 ${type}`).to.not.be.empty;
      }
    }
    const responses = doc.components.responses as Record<string, { content: Record<string, Media & { schema: { properties: { error: { enum?: string[] } } } }> }>;
    for (const [name, response] of Object.entries(responses)) {
      const json = response.content['application/json'];
      const xml = response.content['application/xml'];
      expect(examplesOf(json as Media), name).to.not.be.empty;
      expect(examplesOf(xml as Media).length, name).to.equal(examplesOf(json as Media).length);
      const names = json?.schema.properties.error.enum;
      for (const example of examplesOf(json as Media)) {
        const error = (example as { error: string }).error;
        if (names) expect(names, name).to.include(error);
      }
      for (const example of examplesOf(xml as Media)) expect(example, name).to.match(/^<\?xml .*<error>[a-z_]+<\/error>$/);
    }
  });

  it('models each mount\'s key as a security scheme: the query key on GET, the body key (placeholder in examples) on POST', function () {
    const secret = 'a-distinctive-key-9c1e';
    const keyed = openApiDocument({
      basePath: '/api',
      mounts: MOUNTS.map((m) => (m.key === undefined ? m : { ...m, key: secret })),
    }) as unknown as Doc;
    expect(JSON.stringify(keyed), 'a key in the document').to.not.include(secret);
    const schemes = keyed.components.securitySchemes as Record<string, { type: string; in?: string; name?: string }>;
    for (const mount of ['register', 'sign-up', 'sign_up', 'admin']) {
      const scheme = schemes[`${mount}_key`];
      expect(scheme, mount).to.deep.include({ type: 'apiKey', in: 'query', name: 'key' });
    }
    expect(schemes).to.not.have.property('basic_key');
    const isRegistered = keyed.paths['/api/sign-up/is_registered']?.get;
    expect(isRegistered?.security).to.deep.equal([{ 'sign-up_key': [] }]);
    expect(isRegistered?.parameters?.map((p) => p.name)).to.not.include('key');
    for (const [path, item] of Object.entries(keyed.paths)) {
      const post = item.post;
      if (!post || path === '/api/basic') continue;
      const scheme = post[BODY_KEY_EXTENSION];
      expect(scheme && schemes[scheme], `${path} names its key scheme`).to.not.equal(undefined);
      expect(post.security, path).to.equal(undefined);
      const media = post.requestBody?.content['application/json'];
      const bodies = media?.example !== undefined ? [media.example] : Object.values(media?.examples ?? {}).map((e) => e.value);
      for (const body of bodies) expect((body as { key?: unknown }).key, path).to.equal(KEY_PLACEHOLDER);
    }
    expect(keyed.paths['/api/basic']?.post?.[BODY_KEY_EXTENSION]).to.equal(undefined);
  });

  it('describes each mount with its module, from the contract', function () {
    const tags = (doc as unknown as { tags: { name: string; description: string }[] }).tags;
    const of = (name: string) => tags.find((t) => t.name === name)?.description ?? '';
    expect(of('register')).to.include('Module `register` mounted at `/api/register`').and.include('XEP-0077');
    expect(of('admin')).to.include('Module `admin`').and.include('allowed_commands');
    expect(of('basic')).to.include('HTTP Basic');
  });

  it('lists the operational routes served, each from its own declaration: /metrics only when it is on the main listener', async function () {
    expect(Object.keys(doc.paths)).to.include.members(['/health', '/ready', '/api/openapi.json', '/metrics', '/api/docs']);
    expect(doc.paths['/health']?.get?.operationId).to.equal('health');
    const own = await servedDocument('/rest', []);
    expect(Object.keys(own.paths).sort()).to.deep.equal(['/health', '/ready', '/rest/openapi.json']);
    expect(Object.keys(openApiDocument({ basePath: '/rest', mounts: [] }).paths as object)).to.deep.equal([]);
  });
});

describe('the API page routes (docs.enabled)', function () {
  const withDocs = (docs: boolean | undefined) =>
    opsRoutes({ basePath: '/rest', notReady: () => undefined, metrics: undefined, openApi: () => ({ openapi: '3.1.0', paths: {} }), docs });
  const documentOf = async (routes: ReturnType<typeof withDocs>) => {
    const route = routes.find((r) => r.path === '/rest/openapi.json');
    return JSON.parse(String((await route?.handle())?.body)) as { paths: Record<string, unknown> };
  };

  it('serves the page and its three files, and lists exactly those in the document', async function () {
    const routes = withDocs(true);
    const docs = routes.map((r) => r.path).filter((p) => p.startsWith('/rest/docs'));
    expect(docs).to.deep.equal(['/rest/docs', '/rest/docs/swagger-ui.css', '/rest/docs/swagger-ui-bundle.js', '/rest/docs/init.js']);
    expect(Object.keys((await documentOf(routes)).paths).filter((p) => p.startsWith('/rest/docs'))).to.deep.equal(docs);
    for (const route of routes.filter((r) => r.path.startsWith('/rest/docs'))) {
      const { headers } = await route.handle();
      expect(headers?.['Content-Security-Policy'], route.path).to.equal(DOCS_CSP);
      expect(headers?.['X-Content-Type-Options'], route.path).to.equal('nosniff');
    }
  });

  it('serves none of it when docs is off (and by default)', async function () {
    for (const docs of [false, undefined]) {
      const routes = withDocs(docs);
      expect(routes.map((r) => r.path).filter((p) => p.includes('docs'))).to.deep.equal([]);
      expect(Object.keys((await documentOf(routes)).paths).filter((p) => p.includes('docs'))).to.deep.equal([]);
    }
  });

  it('allows nothing inline and nothing from another origin', function () {
    expect(DOCS_CSP).to.not.match(/unsafe|\*|https?:/);
    expect(DOCS_CSP).to.include("script-src 'self'").and.include("frame-ancestors 'none'").and.include("default-src 'none'");
  });

  it('has a page without inline script, naming each file by a digest of its content, and a start-up script that parses', async function () {
    const routes = withDocs(true);
    const page = String((await routes.find((r) => r.path === '/rest/docs')?.handle())?.body);
    for (const [, attributes, content] of page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      expect(attributes).to.match(/ src="\/rest\/docs\/[a-z-]+\.js\?v=[A-Za-z0-9_-]{16}"/);
      expect(content).to.equal('');
    }
    expect(page).to.include('data-openapi="/rest/openapi.json"').and.include(`data-key-placeholder="&#60;key&#62;"`);
    const init = await routes.find((r) => r.path === '/rest/docs/init.js')?.handle();
    expect(() => new Script(String(init?.body))).to.not.throw();
    expect(String(init?.body)).to.include('persistAuthorization: false').and.include('validatorUrl: null');
  });
});

describe('readiness', function () {
  const readyWith = (reason: string | undefined) => {
    const routes = opsRoutes({ basePath: '/api', notReady: () => reason, metrics: undefined, openApi: () => ({}) });
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
