import { EventEmitter } from 'node:events';
import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { expect } from 'chai';
import { xml } from '@xmpp/client-core';
import type { Entity, IncomingContext } from '@xmpp/middleware';
import type { StreamFeatures } from '@xmpp/stream-features';

import {
  ScramClient,
  ScramError,
  escapeUsername,
  hashForMechanism,
  mechanismName,
  type ScramHash,
} from '../../src/xmpp/sasl/scram.js';
import {
  SASL_NS,
  SaslFailure,
  SaslNoMechanismError,
  saslNegotiation,
  selectMechanism,
  type CredentialsContext,
  type SaslCredentials,
} from '../../src/xmpp/sasl/negotiate.js';

type XmlElement = ReturnType<typeof xml>;

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

// An independent SCRAM server (RFC 5802 section 3, server side). It stores the
// password as given, without SASLprep, so SASLprep tests exercise the client.
class ScramServer {
  serverFirst = '';
  username = '';
  #bare = '';
  #nonce = '';

  constructor(
    readonly hash: ScramHash,
    readonly users: Map<string, string>,
    readonly opts: { salt?: Buffer; iterations?: number; serverNonce?: string } = {},
  ) {}

  first(message: Buffer): Buffer {
    const text = message.toString('utf8');
    expect(text.startsWith('n,,')).to.equal(true);
    this.#bare = text.slice(3);
    const match = /^n=([^,]*),r=([^,]+)$/.exec(this.#bare);
    if (!match) throw new Error(`bad client-first ${text}`);
    this.username = (match[1] ?? '').replace(/=2C|=3D/g, (e) => (e === '=2C' ? ',' : '='));
    this.#nonce = `${match[2] ?? ''}${this.opts.serverNonce ?? 'srvNonce/+9'}`;
    const salt = this.opts.salt ?? Buffer.from('salt-of-the-earth');
    this.serverFirst = `r=${this.#nonce},s=${salt.toString('base64')},i=${this.opts.iterations ?? 4096}`;
    return utf8(this.serverFirst);
  }

  /** Returns server-final ('v=...') or null when the proof is wrong. */
  final(message: Buffer): Buffer | null {
    const text = message.toString('utf8');
    const cut = text.lastIndexOf(',p=');
    const withoutProof = text.slice(0, cut);
    expect(withoutProof).to.equal(`c=biws,r=${this.#nonce}`);
    const proof = Buffer.from(text.slice(cut + 3), 'base64');
    const password = this.users.get(this.username);
    if (password === undefined) return null;
    const len = this.hash === 'sha1' ? 20 : 32;
    const salt = this.opts.salt ?? Buffer.from('salt-of-the-earth');
    const salted = pbkdf2Sync(utf8(password), salt, this.opts.iterations ?? 4096, len, this.hash);
    const mac = (key: Buffer, data: string | Buffer): Buffer => createHmac(this.hash, key).update(data).digest();
    const storedKey = createHash(this.hash).update(mac(salted, 'Client Key')).digest();
    const authMessage = utf8(`${this.#bare},${this.serverFirst},${withoutProof}`);
    const signature = mac(storedKey, authMessage);
    const clientKey = Buffer.from(proof.map((b, i) => b ^ (signature[i] ?? 0)));
    const candidate = createHash(this.hash).update(clientKey).digest();
    if (candidate.length !== storedKey.length || !timingSafeEqual(candidate, storedKey)) return null;
    return utf8(`v=${mac(mac(salted, 'Server Key'), authMessage).toString('base64')}`);
  }
}

async function login(
  client: ScramClient,
  server: ScramServer,
): Promise<{ clientFirst: string; clientFinal: string; serverFinal: Buffer | null }> {
  const first = client.clientFirst();
  const final = await client.clientFinal(server.first(first));
  const serverFinal = server.final(final);
  if (serverFinal) client.verifyServerFinal(serverFinal);
  return { clientFirst: first.toString('utf8'), clientFinal: final.toString('utf8'), serverFinal };
}

describe('ScramClient', () => {
  it('reproduces the RFC 5802 SCRAM-SHA-1 exchange', async () => {
    const client = new ScramClient({ hash: 'sha1', username: 'user', password: 'pencil', nonce: 'fyko+d2lbbFgONRv9qkxdawL' });
    expect(client.mechanism).to.equal('SCRAM-SHA-1');
    expect(client.clientFirst().toString('utf8')).to.equal('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL');
    const final = await client.clientFinal(
      utf8('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096'),
    );
    expect(final.toString('utf8')).to.equal(
      'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
    );
    expect(client.verified).to.equal(false);
    client.verifyServerFinal(utf8('v=rmF9pqV8S7suAoZWja4dJRkFsKQ='));
    expect(client.verified).to.equal(true);
  });

  it('reproduces the RFC 7677 SCRAM-SHA-256 exchange', async () => {
    const client = new ScramClient({ hash: 'sha256', username: 'user', password: 'pencil', nonce: 'rOprNGfwEbeRWgbNEkqO' });
    expect(client.mechanism).to.equal('SCRAM-SHA-256');
    expect(client.clientFirst().toString('utf8')).to.equal('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    const final = await client.clientFinal(
      utf8('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'),
    );
    expect(final.toString('utf8')).to.equal(
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    );
    client.verifyServerFinal(utf8('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='));
    expect(client.verified).to.equal(true);
  });

  it('maps hashes to mechanism names and back', () => {
    expect(mechanismName('sha1')).to.equal('SCRAM-SHA-1');
    expect(mechanismName('sha256')).to.equal('SCRAM-SHA-256');
    expect(hashForMechanism('SCRAM-SHA-256')).to.equal('sha256');
    expect(hashForMechanism('SCRAM-SHA-1')).to.equal('sha1');
    expect(hashForMechanism('SCRAM-SHA-1-PLUS')).to.equal(undefined);
    expect(hashForMechanism('PLAIN')).to.equal(undefined);
  });

  it('uses a fresh random nonce per client', () => {
    const nonce = (c: ScramClient): string => c.clientFirst().toString('utf8').split(',r=')[1] ?? '';
    const a = nonce(new ScramClient({ hash: 'sha1', username: 'u', password: 'p' }));
    const b = nonce(new ScramClient({ hash: 'sha1', username: 'u', password: 'p' }));
    expect(a).to.have.length.of.at.least(24);
    expect(a).to.not.include(',');
    expect(a).to.not.equal(b);
  });

  describe('SASLprep', () => {
    for (const hash of ['sha1', 'sha256'] as const) {
      it(`maps soft hyphen and U+2168 in the password to "IX" (${hash})`, async () => {
        for (const password of ['IX', 'I\u00ADX', '\u2168']) {
          const server = new ScramServer(hash, new Map([['user', 'IX']]));
          const client = new ScramClient({ hash, username: 'user', password });
          const { serverFinal } = await login(client, server);
          expect(serverFinal, JSON.stringify(password)).to.not.equal(null);
          expect(client.verified).to.equal(true);
        }
      });
    }

    it('gives the same proof for equivalent passwords', async () => {
      const proofs = await Promise.all(
        ['IX', 'I\u00ADX', '\u2168'].map(async (password) => {
          const client = new ScramClient({ hash: 'sha1', username: 'user', password, nonce: 'abc' });
          client.clientFirst();
          return (await client.clientFinal(utf8('r=abcdef,s=QSXCR+Q6sek8bf92,i=4096'))).toString('utf8');
        }),
      );
      expect(new Set(proofs).size).to.equal(1);
    });

    it('prepares the username too', () => {
      const client = new ScramClient({ hash: 'sha1', username: 'us\u00ADer', password: 'p', nonce: 'abc' });
      expect(client.clientFirst().toString('utf8')).to.equal('n,,n=user,r=abc');
    });

    it('rejects prohibited characters and empty usernames', () => {
      expect(thrown(() => new ScramClient({ hash: 'sha1', username: 'user', password: 'a\u0007b' }))).to.be.instanceOf(ScramError);
      expect(thrown(() => new ScramClient({ hash: 'sha1', username: '\u00AD', password: 'p' }))).to.be.instanceOf(ScramError);
    });

    it('never puts the password into error messages', () => {
      const err = thrown(() => new ScramClient({ hash: 'sha1', username: 'user', password: 'secret\u0007' }));
      expect((err as Error).message).to.not.include('secret');
    });
  });

  describe('username escaping', () => {
    it("escapes ',' as =2C and '=' as =3D", () => {
      expect(escapeUsername('a,b=c')).to.equal('a=2Cb=3Dc');
      expect(escapeUsername('x=2C')).to.equal('x=3D2C');
      const client = new ScramClient({ hash: 'sha1', username: 'a,b=c', password: 'p', nonce: 'abc' });
      expect(client.clientFirst().toString('utf8')).to.equal('n,,n=a=2Cb=3Dc,r=abc');
    });

    it('logs in with an escaped username end to end', async () => {
      const server = new ScramServer('sha256', new Map([['a,b=c', 'pw']]));
      const client = new ScramClient({ hash: 'sha256', username: 'a,b=c', password: 'pw' });
      await login(client, server);
      expect(server.username).to.equal('a,b=c');
      expect(client.verified).to.equal(true);
    });
  });

  it('round-trips non-ASCII UTF-8 usernames and passwords', async () => {
    for (const [username, password] of [
      ['jürgen', 'pässwörd'],
      ['пользователь', 'пароль'],
      ['用户', '密码😀'],
    ] as const) {
      const server = new ScramServer('sha1', new Map([[username, password]]));
      const client = new ScramClient({ hash: 'sha1', username, password });
      const { clientFirst, serverFinal } = await login(client, server);
      expect(clientFirst).to.include(`n=${username},`);
      expect(server.username).to.equal(username);
      expect(serverFinal).to.not.equal(null);
      expect(client.verified).to.equal(true);
    }
  });

  it('a wrong password yields a proof the server rejects', async () => {
    const server = new ScramServer('sha256', new Map([['user', 'right']]));
    const client = new ScramClient({ hash: 'sha256', username: 'user', password: 'wrong' });
    const { serverFinal } = await login(client, server);
    expect(serverFinal).to.equal(null);
    expect(client.verified).to.equal(false);
  });

  describe('server-final verification', () => {
    async function atFinal(): Promise<ScramClient> {
      const client = new ScramClient({ hash: 'sha1', username: 'user', password: 'pencil', nonce: 'fyko+d2lbbFgONRv9qkxdawL' });
      client.clientFirst();
      await client.clientFinal(utf8('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096'));
      return client;
    }

    it('rejects a tampered server signature', async () => {
      const client = await atFinal();
      const err = thrown(() => client.verifyServerFinal(utf8('v=rmF8pqV8S7suAoZWja4dJRkFsKQ=')));
      expect(err).to.be.instanceOf(ScramError);
      expect((err as Error).message).to.match(/signature/);
      expect(client.verified).to.equal(false);
    });

    it('rejects a signature of the wrong length and non-base64 junk', async () => {
      const a = await atFinal();
      expect(thrown(() => a.verifyServerFinal(utf8('v=rmF9pqV8S7suAoZWja4dJRkF')))).to.be.instanceOf(ScramError);
      const b = await atFinal();
      expect(thrown(() => b.verifyServerFinal(utf8('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=!')))).to.be.instanceOf(ScramError);
    });

    it("throws the server's e= error", async () => {
      const client = await atFinal();
      const err = thrown(() => client.verifyServerFinal(utf8('e=invalid-proof')));
      expect(err).to.be.instanceOf(ScramError);
      expect((err as ScramError).serverError).to.equal('invalid-proof');
    });

    it('cannot be verified twice or out of order', async () => {
      const client = await atFinal();
      client.verifyServerFinal(utf8('v=rmF9pqV8S7suAoZWja4dJRkFsKQ='));
      expect(thrown(() => client.verifyServerFinal(utf8('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=')))).to.be.instanceOf(ScramError);
      const fresh = new ScramClient({ hash: 'sha1', username: 'user', password: 'pencil' });
      expect(thrown(() => fresh.verifyServerFinal(utf8('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=')))).to.be.instanceOf(ScramError);
      expect(await rejection(fresh.clientFinal(utf8('r=x,s=QQ==,i=1')))).to.be.instanceOf(ScramError);
    });
  });

  describe('server-first validation', () => {
    async function tryFirst(serverFirst: string): Promise<unknown> {
      const client = new ScramClient({ hash: 'sha1', username: 'user', password: 'pencil', nonce: 'cnonce' });
      client.clientFirst();
      return rejection(client.clientFinal(utf8(serverFirst)));
    }

    it('rejects a server nonce that does not extend the client nonce', async () => {
      const err = await tryFirst('r=XXnonceSERVER,s=QSXCR+Q6sek8bf92,i=4096');
      expect(err).to.be.instanceOf(ScramError);
      expect((err as Error).message).to.match(/nonce/);
      expect(await tryFirst('r=cnonce,s=QSXCR+Q6sek8bf92,i=4096')).to.be.instanceOf(ScramError);
      expect(await tryFirst('r=cnonc,s=QSXCR+Q6sek8bf92,i=4096')).to.be.instanceOf(ScramError);
    });

    it('rejects iteration counts below RFC 7677 (4096) or absurdly high, and accepts 4096', async () => {
      expect(await tryFirst('r=cnonceS,s=QSXCR+Q6sek8bf92,i=0')).to.be.instanceOf(ScramError);
      expect(await tryFirst('r=cnonceS,s=QSXCR+Q6sek8bf92,i=1')).to.be.instanceOf(ScramError);
      expect(await tryFirst('r=cnonceS,s=QSXCR+Q6sek8bf92,i=4095')).to.be.instanceOf(ScramError);
      expect(await tryFirst('r=cnonceS,s=QSXCR+Q6sek8bf92,i=1000001')).to.be.instanceOf(ScramError);
      expect(await tryFirst('r=cnonceS,s=QSXCR+Q6sek8bf92,i=-5')).to.be.instanceOf(ScramError);
      expect(await tryFirst('r=cnonceS,s=QSXCR+Q6sek8bf92,i=1e3')).to.be.instanceOf(ScramError);
      const client = new ScramClient({ hash: 'sha1', username: 'user', password: 'pencil', nonce: 'cnonce' });
      client.clientFirst();
      expect((await client.clientFinal(utf8('r=cnonceS,s=QSXCR+Q6sek8bf92,i=4096'))).toString()).to.match(/^c=biws,r=cnonceS,p=/);
    });

    it('rejects malformed messages, mandatory extensions and server errors', async () => {
      expect(await tryFirst('s=QSXCR+Q6sek8bf92,r=cnonceS,i=4096')).to.be.instanceOf(ScramError);
      expect(await tryFirst('m=ext,r=cnonceS,s=QSXCR+Q6sek8bf92,i=4096')).to.be.instanceOf(ScramError);
      expect(await tryFirst('r=cnonceS,s=not base64!,i=4096')).to.be.instanceOf(ScramError);
      expect(await tryFirst('r=cnonceS,s=,i=4096')).to.be.instanceOf(ScramError);
      expect(await tryFirst('garbage')).to.be.instanceOf(ScramError);
      const err = await tryFirst('e=unknown-user');
      expect((err as ScramError).serverError).to.equal('unknown-user');
    });

    it('ignores optional extensions after i= (e.g. XEP-0474 d=)', async () => {
      const client = new ScramClient({ hash: 'sha1', username: 'user', password: 'pencil', nonce: 'fyko+d2lbbFgONRv9qkxdawL' });
      client.clientFirst();
      const final = await client.clientFinal(utf8('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096,d=abc='));
      expect(final.toString()).to.match(/^c=biws,r=fyko\+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=/);
    });
  });

  it('refuses to continue after dispose()', async () => {
    const client = new ScramClient({ hash: 'sha1', username: 'user', password: 'pencil', nonce: 'cnonce' });
    client.clientFirst();
    client.dispose();
    expect(await rejection(client.clientFinal(utf8('r=cnonceS,s=QSXCR+Q6sek8bf92,i=4096')))).to.be.instanceOf(ScramError);
  });
});

// A fake xmpp.js entity whose "server" speaks SASL through ScramServer.
class FakeEntity extends EventEmitter {
  sent: XmlElement[] = [];
  restarts = 0;
  secure = false;
  /** Hook to alter the server's behaviour per test. */
  onSend: (element: XmlElement) => void = () => undefined;

  isSecure(): boolean {
    return this.secure;
  }

  send(element: XmlElement): Promise<void> {
    this.sent.push(element);
    setImmediate(() => this.onSend(element));
    return Promise.resolve();
  }

  restart(): Promise<void> {
    this.restarts += 1;
    return Promise.resolve();
  }

  reply(name: string, data?: Buffer | string, ...children: XmlElement[]): void {
    const text = data === undefined ? undefined : typeof data === 'string' ? data : data.toString('base64');
    this.emit('nonza', xml(name, { xmlns: SASL_NS }, ...(text === undefined ? [] : [text]), ...children));
  }
}

type Handler = (ctx: IncomingContext<Entity>, next: () => Promise<void>, feature: XmlElement) => Promise<unknown>;

function setup(
  credentials: (ctx: CredentialsContext<Entity>) => SaslCredentials | Promise<SaslCredentials>,
  timeout?: number,
): { entity: FakeEntity; run: (...mechanisms: string[]) => Promise<unknown> } {
  let handler: Handler | undefined;
  const streamFeatures = {
    use(name: string, xmlns: string | undefined, fn: Handler) {
      expect(name).to.equal('mechanisms');
      expect(xmlns).to.equal(SASL_NS);
      handler = fn;
      return () => Promise.resolve();
    },
  } as unknown as StreamFeatures<Entity>;
  saslNegotiation({ streamFeatures }, credentials, timeout === undefined ? {} : { timeout });
  const entity = new FakeEntity();
  const run = (...mechanisms: string[]): Promise<unknown> => {
    const feature = xml('mechanisms', { xmlns: SASL_NS }, ...mechanisms.map((m) => xml('mechanism', {}, m)));
    const ctx = { entity } as unknown as IncomingContext<Entity>;
    if (!handler) throw new Error('handler not registered');
    return handler(ctx, () => Promise.resolve(), feature);
  };
  return { entity, run };
}

/** Wires a FakeEntity to a ScramServer; `successData` decides where server-final goes. */
function serveScram(entity: FakeEntity, users: Map<string, string>, mode: 'success' | 'challenge' | 'tamper' | 'bare-success' = 'success'): void {
  let server: ScramServer | undefined;
  entity.onSend = (el) => {
    const data = el.text() === '=' ? Buffer.alloc(0) : Buffer.from(el.text(), 'base64');
    if (el.name === 'auth') {
      const hash = hashForMechanism(String(el.attrs.mechanism));
      if (!hash) throw new Error('not scram');
      server = new ScramServer(hash, users);
      entity.reply('challenge', server.first(data));
    } else if (el.name === 'response' && data.length > 0 && server) {
      const final = server.final(data);
      if (!final) return entity.reply('failure', undefined, xml('not-authorized'), xml('text', { 'xml:lang': 'en' }, 'Invalid username or password'));
      if (mode === 'challenge') return entity.reply('challenge', final);
      if (mode === 'bare-success') return entity.reply('success');
      if (mode === 'tamper') final.writeUInt8(final.readUInt8(final.length - 3) ^ 1, final.length - 3);
      entity.reply('success', final);
    } else if (el.name === 'response') {
      entity.reply('success');
    }
  };
}

describe('saslNegotiation', () => {
  const users = new Map([['alice', 'wonderland'], ['jürgen', 'pässwörd']]);

  it('selects SCRAM-SHA-256 > SCRAM-SHA-1 > PLAIN (TLS only, no SCRAM)', () => {
    expect(selectMechanism(['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256'], false)).to.equal('SCRAM-SHA-256');
    expect(selectMechanism(['PLAIN', 'SCRAM-SHA-1', 'DIGEST-MD5'], true)).to.equal('SCRAM-SHA-1');
    expect(selectMechanism(['PLAIN', 'X-OAUTH2'], true)).to.equal('PLAIN');
    expect(selectMechanism(['PLAIN', 'X-OAUTH2'], false)).to.equal(undefined);
    expect(selectMechanism(['SCRAM-SHA-1-PLUS', 'SCRAM-SHA-512'], true)).to.equal(undefined);
  });

  it('logs in with SCRAM-SHA-256, verifies the server, then restarts the stream', async () => {
    let seen: CredentialsContext<Entity> | undefined;
    const { entity, run } = setup((ctx) => {
      seen = ctx;
      return { username: 'alice', password: 'wonderland' };
    });
    serveScram(entity, users);
    await run('PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'X-OAUTH2');
    expect(seen?.mechanism).to.equal('SCRAM-SHA-256');
    expect(seen?.offered).to.deep.equal(['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'X-OAUTH2']);
    expect(seen?.entity).to.equal(entity);
    expect(entity.sent[0]?.attrs.mechanism).to.equal('SCRAM-SHA-256');
    expect(entity.sent.map((e) => e.name)).to.deep.equal(['auth', 'response']);
    expect(entity.restarts).to.equal(1);
    expect(entity.listenerCount('nonza')).to.equal(0);
  });

  it('logs in with SCRAM-SHA-1 and a non-ASCII username (async credentials)', async () => {
    const { entity, run } = setup(() => Promise.resolve({ username: 'jürgen', password: 'pässwörd' }));
    serveScram(entity, users);
    await run('SCRAM-SHA-1', 'PLAIN');
    expect(entity.sent[0]?.attrs.mechanism).to.equal('SCRAM-SHA-1');
    expect(Buffer.from(entity.sent[0]?.text() ?? '', 'base64').toString('utf8')).to.match(/^n,,n=jürgen,r=/);
    expect(entity.restarts).to.equal(1);
  });

  it('accepts server-final in a <challenge/> answered by an empty response', async () => {
    const { entity, run } = setup(() => ({ username: 'alice', password: 'wonderland' }));
    serveScram(entity, users, 'challenge');
    await run('SCRAM-SHA-256');
    expect(entity.sent.map((e) => e.name)).to.deep.equal(['auth', 'response', 'response']);
    expect(entity.sent[2]?.text()).to.equal('=');
    expect(entity.restarts).to.equal(1);
  });

  it('turns <failure/> into SaslFailure with condition and text', async () => {
    const { entity, run } = setup(() => ({ username: 'alice', password: 'wrong' }));
    serveScram(entity, users);
    const err = await rejection(run('SCRAM-SHA-256'));
    expect(err).to.be.instanceOf(SaslFailure);
    expect((err as SaslFailure).condition).to.equal('not-authorized');
    expect((err as SaslFailure).text).to.equal('Invalid username or password');
    expect((err as SaslFailure).mechanism).to.equal('SCRAM-SHA-256');
    expect((err as Error).message).to.not.include('wrong');
    expect(entity.restarts).to.equal(0);
    expect(entity.listenerCount('nonza')).to.equal(0);
  });

  it('rejects a <success/> whose server signature is wrong or missing', async () => {
    for (const mode of ['tamper', 'bare-success'] as const) {
      const { entity, run } = setup(() => ({ username: 'alice', password: 'wonderland' }));
      serveScram(entity, users, mode);
      const err = await rejection(run('SCRAM-SHA-1'));
      expect(err, mode).to.be.instanceOf(ScramError);
      expect(entity.restarts).to.equal(0);
    }
  });

  it('throws SaslNoMechanismError before asking for credentials', async () => {
    let asked = false;
    const { entity, run } = setup(() => {
      asked = true;
      return { username: 'alice', password: 'wonderland' };
    });
    const err = await rejection(run('PLAIN', 'DIGEST-MD5'));
    expect(err).to.be.instanceOf(SaslNoMechanismError);
    expect((err as SaslNoMechanismError).offered).to.deep.equal(['PLAIN', 'DIGEST-MD5']);
    expect((err as Error).message).to.include('PLAIN only over TLS');
    expect(asked).to.equal(false);
    expect(entity.sent).to.have.length(0);
  });

  it('uses PLAIN over TLS when no SCRAM is offered', async () => {
    const { entity, run } = setup(() => ({ username: 'jürgen', password: 'pässwörd' }));
    entity.secure = true;
    entity.onSend = () => entity.reply('success');
    await run('PLAIN', 'X-OAUTH2');
    expect(entity.sent[0]?.attrs.mechanism).to.equal('PLAIN');
    expect(Buffer.from(entity.sent[0]?.text() ?? '', 'base64').toString('utf8')).to.equal('\0jürgen\0pässwörd');
    expect(entity.restarts).to.equal(1);
  });

  it('propagates a credentials provider error without sending anything', async () => {
    const { entity, run } = setup(() => Promise.reject(new Error('registration failed')));
    expect(((await rejection(run('SCRAM-SHA-1'))) as Error).message).to.equal('registration failed');
    expect(entity.sent).to.have.length(0);
  });

  it('fails and detaches its listeners when the stream drops mid-exchange', async () => {
    const { entity, run } = setup(() => ({ username: 'alice', password: 'wonderland' }));
    entity.onSend = () => entity.emit('disconnect', { clean: false });
    const err = await rejection(run('SCRAM-SHA-1'));
    expect((err as Error).message).to.match(/closed/);
    expect(entity.listenerCount('nonza')).to.equal(0);
    expect(entity.listenerCount('disconnect')).to.equal(0);
  });

  it('times out when the server never answers', async () => {
    const { entity, run } = setup(() => ({ username: 'alice', password: 'wonderland' }), 50);
    const err = await rejection(run('SCRAM-SHA-1'));
    expect((err as Error).message).to.match(/no answer/);
    expect(entity.listenerCount('nonza')).to.equal(0);
  });
});
