// Running the bridge as a service: the OpenAPI document (valid, and in step
// with the routes the bridge really serves), health and readiness, Prometheus
// metrics, the access log, and CORS.
import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startBridgeProcess, type BridgeProcess, type Reply } from '../support/bridge-process.js';
import { freePort } from '../harness/local.js';
import { bridgeConfig, KEY, uniqueName } from '../support/fixtures.js';

const HOST = 'localhost';
const ORIGIN = 'https://app.example.org';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  components: { responses: Record<string, unknown> };
};

/** The documented response of `method path` for `status`, with $refs followed. */
function documented(doc: Doc, method: string, path: string, status: number): Record<string, unknown> | undefined {
  const operation = doc.paths[path]?.[method.toLowerCase()];
  let answer = operation?.responses[String(status)] as Record<string, unknown> | undefined;
  const ref = answer?.$ref;
  if (typeof ref === 'string') answer = doc.components.responses[ref.split('/').pop() as string] as Record<string, unknown>;
  return answer;
}

/** Value of a metric sample line such as `name{a="b"} 3`, or undefined when absent. */
function sample(metrics: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = new Map([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => present.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}

describe('operations', function () {
  let server: ThrowawayEjabberd;
  let bridge: BridgeProcess;

  before(async function () {
    server = await startEjabberd();
    const base = bridgeConfig(server);
    bridge = await startBridgeProcess({
      ...base,
      api: [
        ...(base.api as unknown[]),
        { path: 'admin', module: 'admin', key: KEY, allowed_commands: ['registered_users'] },
        { path: 'basic-admin', module: 'admin', allowed_commands: ['registered_users'] },
      ],
      cors: { allowed_origins: [ORIGIN] },
    });
  });

  after(async function () {
    await bridge?.stop();
    await server?.stop();
  });

  const register = (username = uniqueName(), password = 'pw') =>
    bridge.post('/api/register/register', { key: KEY, username, host: HOST, password });

  describe('OpenAPI document', function () {
    let doc: Doc;

    before(async function () {
      const reply = await bridge.get('/api/openapi.json');
      expect(reply.status).to.equal(200);
      expect(reply.headers.get('content-type')).to.match(/^application\/json/);
      doc = reply.json as Doc;
    });

    it('is served at <base_path>/openapi.json without a key, and is valid OpenAPI 3.1', async function () {
      expect(doc.openapi).to.equal('3.1.0');
      const validator = new Validator();
      const result = await validator.validate(doc);
      expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).to.deep.equal([]);
      expect(result.valid).to.equal(true);
      expect(validator.version).to.equal('3.1');
      // Every $ref points somewhere: a client generator would stop at a dangling one.
      expect(() => validator.resolveRefs()).to.not.throw();
    });

    it('lists exactly the routes the bridge serves, no more and no fewer', async function () {
      const listening = await bridge.waitForLog('listening');
      const served = [...(listening.routes as string[])].sort();
      const inDocument = Object.entries(doc.paths)
        .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
        .sort();
      expect(inDocument).to.deep.equal(served);
      // Both modules, every mount, and the operational routes are there.
      expect(served).to.include.members([
        'POST /api/register/register',
        'GET /api/signup/is_registered',
        'POST /api/admin',
        'POST /api/basic-admin',
        'GET /health',
        'GET /ready',
        'GET /metrics',
        'GET /api/openapi.json',
      ]);
    });

    it('documents the status and error name of every answer the bridge gives', async function () {
      const taken = uniqueName();
      await register(taken);
      const calls: [string, string, () => Promise<Reply>][] = [
        ['POST', '/api/register/register', () => register()],
        ['POST', '/api/register/register', () => register(taken)],
        ['POST', '/api/register/register', () => bridge.post('/api/register/register', { key: 'wrong', username: 'a', host: HOST, password: 'p' })],
        ['POST', '/api/register/register', () => bridge.post('/api/register/register', { key: KEY, username: 'a', host: 'elsewhere.example', password: 'p' })],
        ['POST', '/api/register/register', () => bridge.post('/api/register/register', { key: KEY, host: HOST })],
        ['POST', '/api/register/register', () => bridge.post('/api/register/register', 'not json', { 'content-type': 'text/plain' })],
        ['POST', '/api/register/register', () => bridge.post('/api/register/register', { key: KEY, username: 'a', host: HOST, password: 'p'.repeat(70_000) })],
        ['POST', '/api/register/unregister', () => bridge.post('/api/register/unregister', { key: KEY, username: uniqueName(), host: HOST, password: 'p' })],
        ['POST', '/api/register/change_password', () => bridge.post('/api/register/change_password', { key: KEY, username: taken, host: HOST, old_password: 'bad', new_password: 'n' })],
        ['POST', '/api/register/force_change_password', () => bridge.post('/api/register/force_change_password', { key: KEY, username: taken, host: HOST, new_password: 'pw' })],
        ['GET', '/api/register/is_registered', () => bridge.get(`/api/register/is_registered?key=${KEY}&username=${taken}&host=${HOST}`)],
        ['GET', '/api/register/is_registered', () => bridge.get(`/api/register/is_registered?key=${KEY}&username=${taken}&host=${HOST}&format=yaml`)],
        ['POST', '/api/admin', () => bridge.post('/api/admin', { key: KEY, command: 'registered_users', args: [HOST] })],
        ['POST', '/api/admin', () => bridge.post('/api/admin', { key: 'wrong', command: 'registered_users', args: [HOST] })],
        ['POST', '/api/basic-admin', () => bridge.post('/api/basic-admin', { command: 'registered_users', args: [HOST] })],
        ['GET', '/health', () => bridge.get('/health')],
        ['GET', '/ready', () => bridge.get('/ready')],
        ['GET', '/metrics', () => bridge.get('/metrics')],
      ];
      const seen = new Set<number>();
      for (const [method, path, call] of calls) {
        const reply = await call();
        seen.add(reply.status);
        const response = documented(doc, method, path, reply.status);
        expect(response, `${method} ${path} answered ${reply.status}, which the document lacks`).to.not.equal(undefined);
        const error = (reply.json as { error?: unknown } | undefined)?.error;
        if (typeof error === 'string') {
          const content = response?.content as Record<string, { schema: { properties?: { error?: { enum?: string[] } } } }>;
          const names = content['application/json']?.schema.properties?.error?.enum;
          if (names) expect(names, `${method} ${path} ${reply.status}`).to.include(error);
        }
      }
      // The battery did reach the statuses it was meant to.
      expect([...seen]).to.include.members([200, 400, 401, 403, 404, 409, 413, 415]);
    });
  });

  describe('health and readiness', function () {
    it('answers /health and /ready with 200 while the XMPP session is up, without a key', async function () {
      const health = await bridge.get('/health');
      expect(health.status).to.equal(200);
      expect(health.json).to.deep.equal({ status: 'ok' });
      expect(health.headers.get('x-request-id')).to.be.a('string');
      const ready = await bridge.get('/ready');
      expect(ready.status).to.equal(200);
      expect(ready.json).to.deep.equal({ status: 'ready', xmpp_sessions: { up: 1, of: 1, by_node: [1] } });
      const head = await fetch(`${bridge.origin}/ready`, { method: 'HEAD' });
      expect(head.status).to.equal(200);
    });

    it('answers 405 with Allow: GET, HEAD for another method on /health and /ready', async function () {
      for (const path of ['/health', '/ready']) {
        const reply = await bridge.post(path, {});
        expect(reply.status, path).to.equal(405);
        expect(reply.headers.get('allow'), path).to.equal('GET, HEAD');
      }
    });

    it('serves them outside base_path only', async function () {
      expect((await bridge.get('/api/health')).status).to.equal(404);
      expect((await bridge.get('/api/ready')).status).to.equal(404);
    });

    describe('while the XMPP server comes and goes', function () {
      let port: number;
      let late: ThrowawayEjabberd | undefined;
      let lonely: BridgeProcess;
      const password = `lonely-${uniqueName()}`;

      before(async function () {
        port = await freePort();
        lonely = await startBridgeProcess(
          {
            xmpp: {
              service: `xmpp://127.0.0.1:${port}`,
              jid: 'admin@localhost',
              password,
              request_timeout_ms: 5000,
              reconnect: { initial_delay_ms: 100, max_delay_ms: 500 },
            },
            hosts: [HOST],
            api: [{ path: 'register', module: 'register', key: KEY }],
            metrics: { listen: { host: '127.0.0.1', port: 0 } },
            log: { level: 'debug' },
          },
          { waitForXmpp: false },
        );
      });

      after(async function () {
        await lonely?.stop();
        await late?.stop();
      });

      /** /ready needs no key: its 503 must not tell a stranger where the XMPP server is, or why it is unreachable. */
      const expectGenericNotReady = (reply: Reply) => {
        expect(reply.status).to.equal(503);
        const { error, detail } = reply.json as { error: string; detail: string };
        expect(error).to.equal('service_unavailable');
        expect(detail).to.match(/XMPP session is down/).and.match(/log/);
        expect(detail).to.not.include('127.0.0.1');
        expect(detail).to.not.include(String(port));
        expect(detail).to.not.match(/ECONNREFUSED|cannot connect|refused/);
      };

      it('answers /ready 503 with a generic detail while there is no XMPP session, the reason in the log; /health still 200', async function () {
        expect((await lonely.get('/health')).status).to.equal(200);
        // The session logs why it is down; that is where an operator finds the address.
        const failed = await lonely.waitForLog('xmpp session failed to start');
        expect(String(failed.reason)).to.include(`127.0.0.1:${port}`);
        expectGenericNotReady(await lonely.get('/ready'));
      });

      it('turns ready once the server appears, and unready when it goes away', async function () {
        late = await startEjabberd({
          adminPassword: password,
          edit: (config) => {
            const c2s = (config.listen as Record<string, unknown>[]).find((l) => l.module === 'ejabberd_c2s');
            if (c2s) c2s.port = port;
          },
        });
        await lonely.waitForLog('xmpp session up');
        expect((await lonely.get('/ready')).status).to.equal(200);
        const metricsUrl = String((await lonely.waitForLog('metrics listening')).url);
        let metrics = await (await fetch(metricsUrl)).text();
        expect(sample(metrics, 'ejabberd_restful_xmpp_session_up')).to.equal(1);
        expect(sample(metrics, 'ejabberd_restful_xmpp_reconnects_total')).to.be.greaterThan(0);

        await late.stop();
        await lonely.waitForLog('xmpp session down');
        expectGenericNotReady(await lonely.get('/ready'));
        metrics = await (await fetch(metricsUrl)).text();
        expect(sample(metrics, 'ejabberd_restful_xmpp_session_up')).to.equal(0);
      });

      it('sends no CORS headers when cors is not configured', async function () {
        const reply = await lonely.get('/health', { Origin: ORIGIN });
        expect(reply.headers.get('access-control-allow-origin')).to.equal(null);
      });

      it('serves metrics on their own listener when metrics.listen is set, and not on the API listener', async function () {
        const metricsUrl = String((await lonely.waitForLog('metrics listening')).url);
        const reply = await fetch(metricsUrl);
        expect(reply.status).to.equal(200);
        expect(reply.headers.get('content-type')).to.match(/^text\/plain/);
        expect((await lonely.get('/metrics')).status).to.equal(404);
        const doc = (await lonely.get('/api/openapi.json')).json as Doc;
        expect(Object.keys(doc.paths)).to.not.include('/metrics');
        expect((await fetch(metricsUrl.replace('/metrics', '/other'))).status).to.equal(404);
      });
    });
  });

  describe('metrics', function () {
    it('counts HTTP requests by method, route and status, and XMPP exchanges by operation and outcome', async function () {
      const username = uniqueName('metric');
      const password = `pw-${uniqueName()}`;
      expect((await register(username, password)).status).to.equal(200);
      expect((await register(username, password)).status).to.equal(409);
      await bridge.post('/api/register/change_password', { key: KEY, username, host: HOST, old_password: `${password}-wrong`, new_password: 'n' });
      await bridge.get(`/api/register/is_registered?key=${KEY}&username=${username}&host=${HOST}`);
      await bridge.get(`/api/nothing-here/${username}`);

      const reply = await bridge.get('/metrics');
      expect(reply.status).to.equal(200);
      expect(reply.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
      const metrics = reply.text;
      const post = { method: 'POST', route: '/api/register/register' };
      expect(sample(metrics, 'ejabberd_restful_http_requests_total', { ...post, status: '200' })).to.be.at.least(1);
      expect(sample(metrics, 'ejabberd_restful_http_requests_total', { ...post, status: '409' })).to.be.at.least(1);
      expect(sample(metrics, 'ejabberd_restful_http_request_duration_seconds_count', { ...post, status: '200' })).to.be.at.least(1);
      expect(sample(metrics, 'ejabberd_restful_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).to.be.at.least(1);
      const register_ = { operation: 'query jabber:iq:register' };
      expect(sample(metrics, 'ejabberd_restful_xmpp_requests_total', { ...register_, outcome: 'ok' })).to.be.at.least(1);
      expect(sample(metrics, 'ejabberd_restful_xmpp_requests_total', { ...register_, outcome: 'conflict' })).to.be.at.least(1);
      expect(sample(metrics, 'ejabberd_restful_xmpp_request_duration_seconds_count', { ...register_, outcome: 'ok' })).to.be.at.least(1);
      expect(sample(metrics, 'ejabberd_restful_xmpp_requests_total', { operation: 'user login', outcome: 'refused' })).to.be.at.least(1);
      expect(sample(metrics, 'ejabberd_restful_xmpp_session_up')).to.equal(1);
      expect(sample(metrics, 'ejabberd_restful_xmpp_reconnects_total')).to.equal(0);
      expect(sample(metrics, 'ejabberd_restful_xmpp_requests_in_flight')).to.equal(0);
      expect(sample(metrics, 'ejabberd_restful_xmpp_user_sessions_open')).to.equal(0);
      expect(sample(metrics, 'ejabberd_restful_xmpp_slots_in_use')).to.equal(0);
      expect(sample(metrics, 'ejabberd_restful_xmpp_requests_queued')).to.equal(0);
      // The scrape itself is in flight while it is rendered.
      expect(sample(metrics, 'ejabberd_restful_http_requests_in_flight')).to.equal(1);
      expect(sample(metrics, 'process_cpu_user_seconds_total')).to.be.a('number');

      // No label carries a user name, password, key or request path.
      for (const secret of [username, password, `${password}-wrong`, KEY, 'nothing-here', server.adminPassword]) {
        expect(metrics, secret).to.not.include(secret);
      }
    });
  });

  describe('access log', function () {
    it('writes one line per request: request id, route, status, duration and the XMPP outcome', async function () {
      const requestId = `ops-${uniqueName()}`;
      const username = uniqueName();
      await register(username);
      const reply = await bridge.post('/api/register/register', { key: KEY, username, host: HOST, password: 'pw' }, { 'X-Request-Id': requestId });
      expect(reply.status).to.equal(409);
      const line = await bridge.waitForLog('request', (l) => l.requestId === requestId);
      expect(line).to.include({ method: 'POST', route: '/api/register/register', status: 409, level: 30 });
      expect(line.ms).to.be.a('number');
      expect(line.xmpp).to.deep.equal([
        { operation: 'query jabber:iq:register', outcome: 'conflict', ms: (line.xmpp as { ms: number }[])[0]?.ms },
      ]);
      expect(bridge.output.filter((l) => l.includes(`"requestId":"${requestId}"`) && l.includes('"msg":"request"'))).to.have.length(1);
    });

    it('logs probes and scrapes at debug level, start-up and session changes at info', async function () {
      const requestId = `probe-${uniqueName()}`;
      await bridge.get('/ready', { 'X-Request-Id': requestId });
      const line = await bridge.waitForLog('request', (l) => l.requestId === requestId);
      expect(line).to.include({ route: '/ready', status: 200, level: 20 });
      expect(await bridge.waitForLog('starting')).to.include({ level: 30 });
      expect(await bridge.waitForLog('xmpp session up')).to.include({ level: 30 });
    });
  });

  describe('CORS', function () {
    it('answers a preflight from an allowed origin', async function () {
      const reply = await fetch(`${bridge.url}/register/register`, {
        method: 'OPTIONS',
        headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
      });
      expect(reply.status).to.equal(204);
      expect(reply.headers.get('access-control-allow-origin')).to.equal(ORIGIN);
      expect(reply.headers.get('access-control-allow-methods')).to.include('POST');
      expect(reply.headers.get('access-control-allow-headers')?.toLowerCase()).to.include('content-type');
    });

    it('lets an allowed origin read answers and X-Request-Id, and no other origin', async function () {
      const allowed = await bridge.post('/api/register/register', { key: KEY, username: uniqueName(), host: HOST, password: 'pw' }, { Origin: ORIGIN });
      expect(allowed.headers.get('access-control-allow-origin')).to.equal(ORIGIN);
      expect(allowed.headers.get('access-control-expose-headers')).to.include('X-Request-Id');
      const other = await bridge.post('/api/register/register', { key: KEY, username: uniqueName(), host: HOST, password: 'pw' }, { Origin: 'https://evil.example' });
      expect(other.headers.get('access-control-allow-origin')).to.equal(null);
      const preflight = await fetch(`${bridge.url}/register/register`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).to.equal(null);
    });
  });
});
