// TLS to the XMPP server with a private CA (xmpp.tls): STARTTLS on xmpp://
// and direct TLS on xmpps://, against an ejabberd whose certificate is signed
// by a CA made here with openssl. Without the CA, or with the wrong name, the
// bridge refuses the server and /ready says why.
import { execFile as execFileCb } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startBridgeProcess, type BridgeProcess } from '../support/bridge-process.js';
import { freePort } from '../harness/local.js';
import { KEY, uniqueName } from '../support/fixtures.js';

const execFile = promisify(execFileCb);
const HOST = 'localhost';

/** A CA and a certificate for `localhost` signed by it; returns the folder. */
async function makeCertificates(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bridge-tls-'));
  const at = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFile('openssl', args, { cwd: dir });
  await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=bridge test CA',
    '-keyout', at('ca.key'), '-out', at('ca.pem'));
  await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', at('server.key'), '-out', at('server.csr'));
  await writeFile(at('ext.cnf'), 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n');
  await openssl('x509', '-req', '-in', at('server.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial',
    '-days', '2', '-extfile', at('ext.cnf'), '-out', at('server.pem'));
  // ejabberd reads certificate and key from one file.
  await writeFile(at('ejabberd.pem'), (await readFile(at('server.pem'), 'utf8')) + (await readFile(at('server.key'), 'utf8')));
  return dir;
}

describe('TLS to the XMPP server (xmpp.tls)', function () {
  let certs: string;
  let server: ThrowawayEjabberd;
  let directPort: number;
  const bridges: BridgeProcess[] = [];

  before(async function () {
    certs = await makeCertificates();
    directPort = await freePort();
    server = await startEjabberd({
      edit: (config) => {
        config.certfiles = [path.join(certs, 'ejabberd.pem')];
        const listeners = config.listen as Record<string, unknown>[];
        const c2s = listeners.find((l) => l.module === 'ejabberd_c2s') as Record<string, unknown>;
        // STARTTLS is required: the bridge cannot get in without TLS.
        c2s.starttls = true;
        c2s.starttls_required = true;
        listeners.push({ ...c2s, port: directPort, starttls: false, starttls_required: false, tls: true });
      },
    });
  });

  after(async function () {
    for (const bridge of bridges) await bridge.stop();
    await server?.stop();
    if (certs) await rm(certs, { recursive: true, force: true });
  });

  const start = async (service: string, tls: Record<string, unknown> | undefined, waitForXmpp: boolean) => {
    const bridge = await startBridgeProcess(
      {
        xmpp: {
          service,
          jid: server.adminJid,
          password: server.adminPassword,
          request_timeout_ms: 5000,
          reconnect: { initial_delay_ms: 200, max_delay_ms: 1000 },
          ...(tls ? { tls } : {}),
        },
        hosts: server.hosts,
        api: [{ path: 'register', module: 'register', key: KEY }],
        log: { level: 'debug' },
      },
      { waitForXmpp },
    );
    bridges.push(bridge);
    return bridge;
  };

  it('connects over STARTTLS with ca_file, for its own session and for user logins', async function () {
    const bridge = await start(server.service, { ca_file: path.join(certs, 'ca.pem') }, true);
    expect((await bridge.get('/ready')).status).to.equal(200);
    const account = { key: KEY, username: uniqueName('tls'), host: HOST };
    expect((await bridge.post('/api/register/register', { ...account, password: 'first' })).text).to.equal('"ok"');
    // change_password logs in as the user: a second TLS connection with the same settings.
    const changed = await bridge.post('/api/register/change_password', { ...account, old_password: 'first', new_password: 'second' });
    expect(changed.text).to.equal('"ok"');
  });

  it('connects over direct TLS (xmpps://) with ca_file', async function () {
    const bridge = await start(`xmpps://127.0.0.1:${directPort}`, { ca_file: path.join(certs, 'ca.pem') }, true);
    expect((await bridge.get('/ready')).status).to.equal(200);
    expect((await bridge.post('/api/register/register', { key: KEY, username: uniqueName('tls'), host: HOST, password: 'pw' })).text).to.equal('"ok"');
  });

  it('refuses a certificate its CAs do not vouch for: the log says why, /ready only that it is not ready', async function () {
    const bridge = await start(server.service, undefined, false);
    const failed = await bridge.waitForLog('xmpp session failed to start');
    expect(String(failed.reason)).to.match(/certificate/i);
    const ready = await bridge.get('/ready');
    expect(ready.status).to.equal(503);
    // /ready needs no key: it does not tell anyone the server's TLS details.
    expect((ready.json as { detail: string }).detail).to.not.match(/certificate/i);
  });

  it('refuses a certificate for another name than server_name', async function () {
    const bridge = await start(`xmpps://127.0.0.1:${directPort}`, { ca_file: path.join(certs, 'ca.pem'), server_name: 'other.example' }, false);
    const failed = await bridge.waitForLog('xmpp session failed to start');
    expect(String(failed.reason)).to.match(/other\.example|altnames|hostname/i);
  });
});
