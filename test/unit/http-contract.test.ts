// The contract's status table and mod_restful's XML shapes, as pure logic.
import { expect } from 'chai';
import { Refusal, type Reason } from '../../src/accounts/refusal.js';
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
