// How the bridge answers bad, hostile or unusual requests: keys, hosts,
// names, missing and mistyped fields, content types, formats, request ids.
// Every refusal must change nothing and disturb no other request.
import { once } from 'node:events';
import net from 'node:net';
import { expect } from 'chai';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { bridgeConfig, KEY, uniqueName } from '../support/fixtures.js';

describe('request handling', function () {
  let server: ThrowawayEjabberd;
  let bridge: BridgeProcess;
  const HOST = 'localhost';

  before(async function () {
    server = await startEjabberd();
    bridge = await startBridgeProcess(bridgeConfig(server, { limits: { body_bytes: 2048, request_receive_ms: 1000 } }));
  });

  after(async function () {
    await bridge?.stop();
    await server?.stop();
  });

  const register = (body: Record<string, unknown>, headers?: Record<string, string>) =>
    bridge.post('/api/register/register', body, headers);
  const valid = () => ({ key: KEY, username: uniqueName(), host: HOST, password: 'pw' });
  const exists = async (username: string) => (await server.ctl(['check_account', username, HOST])).code === 0;

  describe('keys', function () {
    it('answers 401 not_allowed for a missing key', async function () {
      const body: Record<string, unknown> = valid();
      delete body.key;
      const reply = await register(body);
      expect(reply.status).to.equal(401);
      expect(reply.json).to.deep.equal({ error: 'not_allowed' });
      expect(await exists(String(body.username))).to.equal(false);
    });

    it('answers 401 not_allowed for a wrong key, also on GET', async function () {
      const reply = await register({ ...valid(), key: 'wrong' });
      expect(reply.status).to.equal(401);
      expect(reply.json).to.deep.equal({ error: 'not_allowed' });
      const get = await bridge.get(`/api/register/is_registered?key=wrong&username=a&host=${HOST}`);
      expect(get.status).to.equal(401);
    });

    it('refuses everything on a register mount without a configured key', async function () {
      const body = valid();
      const reply = await bridge.post('/api/open/register', body);
      expect(reply.status).to.equal(401);
      expect(reply.json).to.deep.equal({ error: 'not_allowed' });
      expect(await exists(body.username)).to.equal(false);
    });
  });

  describe('hosts and names', function () {
    it('answers 403 not_allowed for a host the bridge does not serve', async function () {
      const reply = await register({ ...valid(), host: 'elsewhere.example' });
      expect(reply.status).to.equal(403);
      expect(reply.json).to.deep.equal({ error: 'not_allowed' });
    });

    it('answers 400 stringprep for names nodeprep refuses', async function () {
      for (const username of ['with space', 'a@b', 'a/b', 'a:b', "o'neil", 'a"b', 'a&b', 'a<b', '😀', 'x'.repeat(1024)]) {
        const reply = await register({ ...valid(), username });
        expect(reply.status, username).to.equal(400);
        expect((reply.json as { error: string }).error, username).to.equal(
          username.length > 1023 ? 'bad_request' : 'stringprep',
        );
      }
    });

    it('answers 400 stringprep for a host nameprep refuses', async function () {
      const reply = await register({ ...valid(), host: 'bad host' });
      expect(reply.status).to.equal(400);
      expect(reply.json).to.deep.equal({ error: 'stringprep', detail: 'host is not a valid domain name' });
    });

    it('accepts the host in upper case', async function () {
      const body = { ...valid(), host: 'LocalHost' };
      expect((await register(body)).text).to.equal('"ok"');
      expect(await exists(body.username)).to.equal(true);
    });
  });

  describe('fields', function () {
    it('answers 400 missing_parameters, naming what is missing or empty', async function () {
      const reply = await register({ key: KEY, host: HOST, password: '' });
      expect(reply.status).to.equal(400);
      expect(reply.json).to.deep.equal({ error: 'missing_parameters', detail: 'missing or empty: username, password' });
      const get = await bridge.get(`/api/register/is_registered?key=${KEY}&host=${HOST}`);
      expect(get.status).to.equal(400);
      expect((get.json as { error: string }).error).to.equal('missing_parameters');
    });

    it('answers 400 bad_request for a field of the wrong type, without echoing it', async function () {
      const body = { ...valid(), password: 12345678 };
      const reply = await register(body);
      expect(reply.status).to.equal(400);
      expect(reply.json).to.deep.equal({ error: 'bad_request', detail: 'password must be a string' });
      expect(reply.text).to.not.include('12345678');
      expect(await exists(body.username)).to.equal(false);
    });

    it('refuses control characters, lone surrogates and over-long text before they reach XML', async function () {
      for (const password of ['a\u0001b', 'tab\there', 'line\nbreak', 'x\uD800y', '\uFFFF', 'p'.repeat(1024)]) {
        const body = { ...valid(), password };
        const reply = await register(body);
        expect(reply.status).to.equal(400);
        const { error, detail } = reply.json as { error: string; detail: string };
        expect(error).to.equal('bad_request');
        expect(detail).to.match(/^password /);
        expect(reply.text).to.not.include(password);
        expect(await exists(body.username)).to.equal(false);
      }
    });

    it('keeps innocent requests working while hostile ones arrive on the same session', async function () {
      const hostile = ['a\u0001', '\u0000', 'x\u001F', '\uDFFF', 'a\u007F', '\u0085'];
      const innocent = Array.from({ length: 24 }, valid);
      const replies = await Promise.all([
        ...innocent.map((body) => register(body)),
        ...hostile.flatMap((bad) => [
          register({ ...valid(), password: bad }),
          register({ ...valid(), username: `u${bad}` }),
          bridge.post('/api/register/change_password', { key: KEY, host: HOST, username: 'a', old_password: bad, new_password: 'x' }),
        ]),
      ]);
      const innocentReplies = replies.slice(0, innocent.length);
      expect(innocentReplies.map((r) => r.text)).to.deep.equal(innocent.map(() => '"ok"'));
      expect(replies.slice(innocent.length).map((r) => r.status)).to.satisfy((s: number[]) => s.every((x) => x === 400));
      for (const body of innocent) expect(await exists(body.username)).to.equal(true);
      await bridge.logSettled();
      expect(bridge.output.join('\n')).to.not.include('xmpp session down');
    });
  });

  describe('bodies', function () {
    it('cuts a request whose body trickles in past limits.request_receive_ms, and goes on serving', async function () {
      const { hostname, port } = new URL(bridge.origin);
      const socket = net.connect(Number(port), hostname);
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.write(
        'POST /api/register/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"key"',
      );
      // The bridge, not the test, ends the connection.
      await once(socket, 'close');
      expect(Buffer.concat(received).toString('latin1')).to.match(/^HTTP\/1\.1 408/);
      expect((await register(valid())).json).to.equal('ok');
    });

    it('answers 415 bad_request for a body that is not JSON', async function () {
      const body = valid();
      const reply = await register(JSON.stringify(body) as unknown as Record<string, unknown>, { 'content-type': 'text/plain' });
      expect(reply.status).to.equal(415);
      expect((reply.json as { error: string }).error).to.equal('bad_request');
      expect(await exists(body.username)).to.equal(false);
    });

    it('accepts a charset on application/json', async function () {
      const reply = await register(valid(), { 'content-type': 'application/json; charset=utf-8' });
      expect(reply.text).to.equal('"ok"');
    });

    it('answers 400 bad_request for malformed JSON and for a body that is not an object', async function () {
      for (const raw of ['{"key":', '[1,2]', '"ok"', '42']) {
        const reply = await bridge.post('/api/register/register', raw);
        expect(reply.status, raw).to.equal(400);
        const { error, detail } = reply.json as { error: string; detail: string };
        expect(error).to.equal('bad_request');
        expect(detail).to.be.a('string').and.not.empty;
      }
    });

    it('answers 413 for a body over the limit', async function () {
      const reply = await register({ ...valid(), padding: 'x'.repeat(4096) });
      expect(reply.status).to.equal(413);
      expect((reply.json as { error: string }).error).to.equal('bad_request');
    });
  });

  describe('paths and methods', function () {
    it('answers 404 not_found for paths no entry maps', async function () {
      for (const path of ['/api/nothing', '/api/register/nothing', '/elsewhere', '/api']) {
        const reply = await bridge.post(path, valid());
        expect(reply.status, path).to.equal(404);
        expect(reply.json, path).to.deep.equal({ error: 'not_found' });
      }
    });

    it('answers 405 bad_request for a known path with the wrong method, with Allow naming the right ones', async function () {
      const reply = await bridge.get(`/api/register/register?key=${KEY}`);
      expect(reply.status).to.equal(405);
      expect((reply.json as { error: string }).error).to.equal('bad_request');
      expect(reply.headers.get('allow')).to.equal('POST');
      // A GET route: HEAD comes with it.
      const post = await bridge.post('/api/register/is_registered', valid());
      expect(post.status).to.equal(405);
      expect(post.headers.get('allow')).to.equal('GET, HEAD');
      const put = await fetch(`${bridge.origin}/api/register/register`, { method: 'PUT' });
      expect(put.status).to.equal(405);
      expect(put.headers.get('allow')).to.equal('POST');
    });

    it('sends no Allow header with a 404', async function () {
      const reply = await bridge.get('/api/register/nothing');
      expect(reply.status).to.equal(404);
      expect(reply.headers.get('allow')).to.equal(null);
    });
  });

  describe('output formats', function () {
    it('answers XML for ?format=xml on a GET', async function () {
      const body = valid();
      await register(body);
      const reply = await bridge.get(`/api/register/is_registered?key=${KEY}&username=${body.username}&host=${HOST}&format=xml`);
      expect(reply.status).to.equal(200);
      expect(reply.headers.get('content-type')).to.match(/^application\/xml/);
      expect(reply.text).to.equal('<?xml version="1.0" encoding="UTF-8"?><true/>');
    });

    it('answers XML for Accept: application/xml, errors included', async function () {
      const body = valid();
      const ok = await register(body, { accept: 'application/xml' });
      expect(ok.text).to.equal('<?xml version="1.0" encoding="UTF-8"?><ok/>');
      const taken = await register(body, { accept: 'application/xml' });
      expect(taken.status).to.equal(409);
      expect(taken.text).to.equal('<?xml version="1.0" encoding="UTF-8"?><error>exists</error>');
    });

    it('renders objects as <struct>', async function () {
      const reply = await bridge.post('/api/signup/register?format=xml', valid());
      expect(reply.text).to.equal(
        '<?xml version="1.0" encoding="UTF-8"?><struct><entry key="private_email">not_set</entry></struct>',
      );
    });

    it('answers 400 for any other format', async function () {
      const reply = await bridge.get(`/api/register/is_registered?key=${KEY}&username=a&host=${HOST}&format=yaml`);
      expect(reply.status).to.equal(400);
      expect(reply.json).to.deep.equal({ error: 'bad_request', detail: 'format must be json or xml' });
    });
  });

  describe('request ids', function () {
    it("echoes the caller's X-Request-Id", async function () {
      const reply = await register(valid(), { 'x-request-id': 'caller-id-42' });
      expect(reply.headers.get('x-request-id')).to.equal('caller-id-42');
    });

    it('makes one up when none (or an unusable one) is sent, errors included', async function () {
      const a = await bridge.post('/api/nothing', {});
      const b = await register(valid(), { 'x-request-id': 'bad id with spaces' });
      expect(a.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
      expect(b.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
      expect(a.headers.get('x-request-id')).to.not.equal(b.headers.get('x-request-id'));
    });
  });
});
