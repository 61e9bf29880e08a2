// One name registered many times at once answers exactly one "ok" and
// "exists" for every other request, never a 5xx: through one bridge (its
// sessions put registrations of one name through one at a time) and through
// two bridges on one server (both reach ejabberd at once; the example
// config's auth_use_cache: false keeps ejabberd's auth cache from answering
// internal-server-error and from breaking the winner's account; the
// bridge's answer to such an internal-server-error, where the cache is on,
// is test/unit/ejabberd-register-race.test.ts). On every server version.
import { expect } from 'chai';
import { startBridgeProcess, type BridgeProcess, type Reply } from '../support/bridge-process.js';
import { KEY, uniqueName } from '../support/fixtures.js';
import { configFor, SERVER_VERSIONS, startServer, type ServerUnderTest } from '../support/server-under-test.js';

/** Several sessions, as deployed (the pool spreads requests over them, so they reach the server in parallel). */
const SESSIONS = 4;

for (const version of SERVER_VERSIONS) {
  describe(`concurrent registrations of one name on ${version.label}`, function () {
    let server: ServerUnderTest;
    let bridges: BridgeProcess[] = [];

    before(async function () {
      server = await startServer(version);
      const config = configFor(server);
      const withPool = { ...config, xmpp: { ...(config.xmpp as object), sessions: SESSIONS } };
      bridges = await Promise.all([startBridgeProcess(withPool), startBridgeProcess(withPool)]);
      // Every session up, so requests really spread over them.
      await Promise.all(
        bridges.flatMap((bridge) =>
          Array.from({ length: SESSIONS }, (_, i) => bridge.waitForLog('xmpp session up', (line) => line.session === i)),
        ),
      );
    });

    after(async function () {
      await Promise.all(bridges.map((bridge) => bridge.stop()));
      await server?.stop();
    });

    /** `count` registrations of one new name at once, spread round-robin over `through`. */
    async function race(count: number, through: BridgeProcess[]): Promise<{ username: string; replies: Reply[] }> {
      const username = uniqueName('race');
      const replies = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          (through[i % through.length] as BridgeProcess).post('/api/register/register', {
            key: KEY,
            host: server.host,
            username,
            password: `pw${i}`,
          }),
        ),
      );
      return { username, replies };
    }

    function expectOneWinner({ replies }: { replies: Reply[] }): void {
      const answers = replies.map((r) => `${r.status} ${r.text}`);
      expect(answers.filter((a) => a === '200 "ok"'), answers.join(', ')).to.have.length(1);
      expect(answers.filter((a) => a === '409 {"error":"exists"}'), answers.join(', ')).to.have.length(replies.length - 1);
    }

    for (const count of [8, 50]) {
      it(`${count} at once through one bridge: one 200, ${count - 1} × 409`, async function () {
        const outcome = await race(count, [bridges[0] as BridgeProcess]);
        expectOneWinner(outcome);
        expect(await server.exists(outcome.username)).to.equal(true);
      });

      it(`${count} at once through two bridges: one 200, ${count - 1} × 409`, async function () {
        const outcome = await race(count, bridges);
        expectOneWinner(outcome);
        expect(await server.exists(outcome.username)).to.equal(true);
      });
    }
  });
}
