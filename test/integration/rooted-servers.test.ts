// The throwaway servers run from a Debian 13 root (test/harness/debian-root.ts):
// their files under ROOT/tmp, the server chrooted yet reachable on the
// host's loopback, its control program working, and stop() leaving no
// process and no files behind. A missing root fails here, never skips.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { requireRoot, ROOTS, type RootName } from '../harness/debian-root.js';
import { startEjabberd } from '../harness/ejabberd.js';
import { isAlive, portAccepts } from '../harness/local.js';
import { startProsody } from '../harness/prosody.js';
import type { ThrowawayServer } from '../harness/throwaway-server.js';
import { asUser } from '../support/fixtures.js';

/** The server's main process (ejabberd's beam, Prosody), from the pid file it writes in its dir. */
function serverPid(server: ThrowawayServer): number {
  const file = path.join(server.dir, server.kind === 'ejabberd' ? 'ejabberd.pid' : 'prosody.pid');
  return Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
}

describe('throwaway servers in the Debian 13 roots', function () {
for (const name of Object.keys(ROOTS) as RootName[]) {
  for (const kind of ['ejabberd', 'prosody'] as const) {
    it(`a throwaway ${kind} runs chrooted in the ${ROOTS[name]} root and stops cleanly`, async function () {
      const root = requireRoot(name);
      const server = kind === 'ejabberd' ? await startEjabberd({ root }) : await startProsody({ root });
      let pid: number | undefined;
      try {
        expect(server.root).to.equal(root);
        expect(server.dir.startsWith(path.join(root.dir, 'tmp') + path.sep), server.dir).to.equal(true);
        pid = serverPid(server);
        expect(isAlive(pid)).to.equal(true);
        // Reachable from the host: the bridge account logs in over loopback.
        await asUser(server.service, { username: 'admin', domain: server.host, password: server.adminPassword });
        // Its control program runs in the root, on this instance.
        const ctl = await server.ctl(kind === 'ejabberd' ? ['status'] : ['about']);
        expect(ctl.code, ctl.stdout + ctl.stderr).to.equal(0);
      } finally {
        await server.stop();
      }
      expect(existsSync(server.dir)).to.equal(false);
      expect(isAlive(pid)).to.equal(false);
      expect(await portAccepts(server.c2sPort)).to.equal(false);
    });
  }
}
});
