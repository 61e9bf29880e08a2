// The contract's status table and mod_restful's XML shapes, as pure logic.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { pino } from 'pino';
import { Refusal, type Reason } from '../../src/contract/refusal.js';
import type { Route } from '../../src/api/module.js';
import { createApp } from '../../src/http/app.js';
import { responseFor } from '../../src/http/contract.js';
import { renderBody, renderError } from '../../src/http/render.js';
import { keysMatch, requireKey } from '../../src/api/key.js';

describe('contract responses', function () {
  const cases: [Reason, number, string][] = [
    ['bad_request', 400, 'bad_request'],
    ['missing_parameters', 400, 'missing_parameters'],
    ['stringprep', 400, 'stringprep'],
    ['unauthenticated', 401, 'not_allowed'],
    ['not_allowed', 403, 'not_allowed'],
    ['not_found', 404, 'not_found'],
    ['not_exists', 404, 'not_exists'],
    ['method_not_allowed', 405, 'bad_request'],
    ['exists', 409, 'exists'],
    ['too_large', 413, 'bad_request'],
    ['unsupported_media_type', 415, 'bad_request'],
    ['too_many_requests', 429, 'too_many_requests'],
    ['internal_error', 500, 'internal_error'],
    ['not_supported', 501, 'not_supported'],
    ['upstream_error', 502, 'upstream_error'],
    ['service_unavailable', 503, 'service_unavailable'],
    ['timeout', 504, 'timeout'],
  ];
  for (const [reason, status, error] of cases) {
    it(`${reason} -> ${status} {"error":"${error}"}`, function () {
      const response = responseFor(new Refusal(reason, 'why'));
      expect(response.status).to.equal(status);
      expect(response.body.error).to.equal(error);
    });
  }

  it("keeps mod_restful's bare bodies for its own answers", function () {
    for (const reason of ['exists', 'not_exists', 'not_allowed', 'not_found', 'unauthenticated'] as const) {
      expect(Object.keys(responseFor(new Refusal(reason, 'why')).body)).to.deep.equal(['error']);
    }
    expect(responseFor(new Refusal('bad_request', 'why')).body).to.deep.equal({ error: 'bad_request', detail: 'why' });
  });

  it('adds Retry-After and WWW-Authenticate when the refusal carries them', function () {
    expect(responseFor(new Refusal('too_many_requests', 'x', { retryAfterSeconds: 30 })).headers).to.deep.equal({ 'Retry-After': '30' });
    expect(responseFor(new Refusal('unauthenticated', 'x', { basicRealm: 'ejabberd-restful' })).headers['WWW-Authenticate']).to.equal(
      'Basic realm="ejabberd-restful", charset="UTF-8"',
    );
  });

  it('names an unexpected server error after its condition', function () {
    const response = responseFor(new Refusal('upstream_error', 'x', { errorName: 'internal_server_error' }));
    expect(response.status).to.equal(502);
    expect(response.body.error).to.equal('internal_server_error');
  });
});

describe('rendering', function () {
  it('renders JSON as is', function () {
    expect(renderBody('ok', 'json')).to.equal('"ok"');
    expect(renderBody(true, 'json')).to.equal('true');
    expect(renderBody({ ok: 'done' }, 'json')).to.equal('{"ok":"done"}');
    expect(renderError('exists', undefined, 'json')).to.equal('{"error":"exists"}');
  });

  it("renders mod_restful's XML shapes, escaping text", function () {
    const xml = (v: Parameters<typeof renderBody>[0]) => renderBody(v, 'xml').replace(/^<\?xml[^>]*\?>/, '');
    expect(xml('ok')).to.equal('<ok/>');
    expect(xml(true)).to.equal('<true/>');
    expect(xml(false)).to.equal('<false/>');
    expect(xml('a<b&"c')).to.equal('<value>a&#60;b&#38;&#34;c</value>');
    expect(xml(42)).to.equal('<value>42</value>');
    expect(xml({ ok: 'User a@b registered', n: 2 })).to.equal(
      '<struct><entry key="ok">User a@b registered</entry><entry key="n">2</entry></struct>',
    );
    expect(xml(['a', 'b'])).to.equal('<list><value>a</value><value>b</value></list>');
    expect(renderError('not_allowed', 'detail', 'xml')).to.match(/<error>not_allowed<\/error>$/);
  });
});

describe('keys', function () {
  it('match only the exact key, whatever the lengths', function () {
    expect(keysMatch('secret', 'secret')).to.equal(true);
    expect(keysMatch('secret', 'secret ')).to.equal(false);
    expect(keysMatch('secret', '')).to.equal(false);
    expect(keysMatch('ключ', 'ключ')).to.equal(true);
  });

  it('refuse a missing, wrong or unconfigured key with unauthenticated', function () {
    const reasonOf = (fn: () => void) => {
      try {
        fn();
      } catch (error) {
        return (error as Refusal).reason;
      }
      return 'accepted';
    };
    expect(reasonOf(() => requireKey('k', 'k'))).to.equal('accepted');
    expect(reasonOf(() => requireKey('k', undefined))).to.equal('unauthenticated');
    expect(reasonOf(() => requireKey('k', 'x'))).to.equal('unauthenticated');
    expect(reasonOf(() => requireKey('k', 42))).to.equal('unauthenticated');
    expect(reasonOf(() => requireKey(undefined, 'anything'))).to.equal('unauthenticated');
  });
});

describe('405 answers', function () {
  let server: Server;
  let origin: string;

  before(async function () {
    const route = (method: Route['method'], path: string): Route => ({ method, path, summary: '', handle: () => Promise.resolve('ok') });
    const { app } = createApp({
      basePath: '/api',
      bodyLimitBytes: 1024,
      log: pino({ level: 'silent' }),
      // 'both' is served with GET and POST: Allow must merge the layers.
      mounts: [{ path: 'm', module: { routes: [route('POST', 'post'), route('GET', 'get'), route('POST', 'both'), route('GET', 'both')] } }],
      ops: [{ path: '/ready', quiet: true, handle: () => Promise.resolve({ type: 'application/json', body: '{}' }) }],
    });
    const handle = app.callback();
    server = createServer((req, res) => void handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(function () {
    server?.close();
  });

  const cases: [string, string, string][] = [
    ['GET', '/api/m/post', 'POST'],
    ['POST', '/api/m/get', 'GET, HEAD'],
    ['PUT', '/api/m/both', 'GET, HEAD, POST'],
    ['POST', '/ready', 'GET, HEAD'],
    ['DELETE', '/ready', 'GET, HEAD'],
  ];
  for (const [method, path, allow] of cases) {
    it(`${method} ${path} -> 405 with Allow: ${allow}`, async function () {
      const reply = await fetch(`${origin}${path}`, { method });
      expect(reply.status).to.equal(405);
      expect(reply.headers.get('allow')).to.equal(allow);
      expect(await reply.json()).to.deep.equal({ error: 'bad_request', detail: `${method} is not supported here` });
    });
  }

  it('sends no Allow header on other answers', async function () {
    const ok = await fetch(`${origin}/api/m/get`);
    expect(ok.status).to.equal(200);
    expect(ok.headers.get('allow')).to.equal(null);
    const missing = await fetch(`${origin}/api/m/nothing`);
    expect(missing.status).to.equal(404);
    expect(missing.headers.get('allow')).to.equal(null);
  });
});
