// SCRAM client (RFC 5802, RFC 7677), transport-agnostic: bytes in, bytes out.
// PBKDF2 runs on libuv's thread pool (async node:crypto) so logins do not
// block the event loop; all wire data is UTF-8 Buffers, never btoa/atob.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
// Default import: the package's "import" condition is an ESM wrapper whose
// default export is the function, under tsx and plain node alike.
import saslprep from '@mongodb-js/saslprep';

export type ScramHash = 'sha1' | 'sha256';
export type ScramMechanism = 'SCRAM-SHA-1' | 'SCRAM-SHA-256';

const MECHANISMS: Record<ScramHash, ScramMechanism> = {
  sha1: 'SCRAM-SHA-1',
  sha256: 'SCRAM-SHA-256',
};

const HASH_BYTES: Record<ScramHash, number> = { sha1: 20, sha256: 32 };

/**
 * Iteration counts outside this range are treated as a hostile or broken
 * server. RFC 7677 §4 asks for at least 4096: fewer would let an attacker who
 * strips STARTTLS crack the proof cheaply.
 */
export const MIN_ITERATIONS = 4096;
export const MAX_ITERATIONS = 1_000_000;

// gs2-header without channel binding or authzid, and its base64 ("biws").
const GS2_HEADER = 'n,,';
const CHANNEL_BINDING = Buffer.from(GS2_HEADER, 'utf8').toString('base64');

export function mechanismName(hash: ScramHash): ScramMechanism {
  return MECHANISMS[hash];
}

/** The hash behind a SASL mechanism name, or undefined if it is not a SCRAM we speak. */
export function hashForMechanism(mechanism: string): ScramHash | undefined {
  if (mechanism === 'SCRAM-SHA-256') return 'sha256';
  if (mechanism === 'SCRAM-SHA-1') return 'sha1';
  return undefined;
}

/** A SCRAM protocol violation or a server that could not prove it knows the password. */
export class ScramError extends Error {
  override readonly name = 'ScramError';
  /** Value of a server-sent `e=` attribute (e.g. 'invalid-proof'), if that was the cause. */
  readonly serverError: string | undefined;

  constructor(message: string, serverError?: string) {
    super(message);
    this.serverError = serverError;
  }
}

/** SASLprep (RFC 4013) as a query string: unassigned code points are allowed. */
export function prepare(value: string, what: 'username' | 'password'): string {
  try {
    return saslprep(value, { allowUnassigned: true });
  } catch (err) {
    // saslprep's message never quotes the input, but say which field failed.
    const reason = err instanceof Error ? err.message : String(err);
    throw new ScramError(`SASLprep rejected the ${what}: ${reason}`);
  }
}

/** RFC 5802 saslname escaping: '=' -> '=3D', ',' -> '=2C'. */
export function escapeUsername(username: string): string {
  return username.replace(/[=,]/g, (c) => (c === '=' ? '=3D' : '=2C'));
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 decoding: Buffer.from() silently skips junk, which would hide tampering. */
export function decodeBase64(text: string, what: string): Buffer {
  if (!BASE64.test(text)) throw new ScramError(`${what} is not valid base64`);
  return Buffer.from(text, 'base64');
}

// Nonces are printable ASCII except ',' (RFC 5802 section 7).
const NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(data: Buffer, what: string): string {
  try {
    return utf8.decode(data);
  } catch {
    throw new ScramError(`${what} is not valid UTF-8`);
  }
}

function hmac(hash: ScramHash, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(hash, key).update(data).digest();
}

function pbkdf2Async(password: Buffer, salt: Buffer, iterations: number, hash: ScramHash): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, HASH_BYTES[hash], hash, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/** Splits "a=1,b=2" into [name, value] pairs, keeping order (values may contain '='). */
function attributes(message: string): Array<[string, string]> {
  return message.split(',').map((part) => {
    if (!/^[A-Za-z]=/.test(part)) throw new ScramError(`malformed SCRAM attribute "${part.slice(0, 20)}"`);
    return [part[0] as string, part.slice(2)];
  });
}

export interface ScramClientOptions {
  hash: ScramHash;
  username: string;
  password: string;
  /** Fixed client nonce, for test vectors only. Default: 24 random bytes, base64. */
  nonce?: string;
}

type State = 'initial' | 'first-sent' | 'computing' | 'final-sent' | 'verified' | 'failed';

/**
 * One SCRAM exchange. Call clientFirst(), then clientFinal(server-first), then
 * verifyServerFinal(server-final). Single use. The prepared password is wiped
 * after clientFinal() or dispose(); no password-equivalent key is kept.
 */
export class ScramClient {
  readonly hash: ScramHash;
  readonly mechanism: ScramMechanism;
  readonly #nonce: string;
  readonly #clientFirstBare: Buffer;
  #password: Buffer | null;
  #serverSignature: Buffer | null = null;
  #state: State = 'initial';

  constructor(opts: ScramClientOptions) {
    if (opts.hash !== 'sha1' && opts.hash !== 'sha256') {
      throw new ScramError(`unsupported SCRAM hash "${String(opts.hash)}"`);
    }
    this.hash = opts.hash;
    this.mechanism = MECHANISMS[opts.hash];

    const username = prepare(opts.username, 'username');
    if (username === '') throw new ScramError('username is empty after SASLprep');

    this.#nonce = opts.nonce ?? randomBytes(24).toString('base64');
    if (!NONCE.test(this.#nonce)) throw new ScramError('client nonce must be printable ASCII without ","');

    this.#clientFirstBare = Buffer.from(`n=${escapeUsername(username)},r=${this.#nonce}`, 'utf8');
    this.#password = Buffer.from(prepare(opts.password, 'password'), 'utf8');
  }

  /** True once the server has proven knowledge of the password. */
  get verified(): boolean {
    return this.#state === 'verified';
  }

  /** client-first-message: gs2-header + client-first-message-bare. */
  clientFirst(): Buffer {
    this.#expect('initial', 'clientFirst');
    this.#state = 'first-sent';
    return Buffer.concat([Buffer.from(GS2_HEADER, 'utf8'), this.#clientFirstBare]);
  }

  /** Answers server-first-message with client-final-message (carrying the proof). */
  async clientFinal(serverFirst: Buffer): Promise<Buffer> {
    this.#expect('first-sent', 'clientFinal');
    this.#state = 'computing';
    const password = this.#password;
    this.#password = null;
    try {
      if (!password) throw new ScramError('client already disposed');
      const { nonce, salt, iterations } = this.#parseServerFirst(serverFirst);

      const withoutProof = Buffer.from(`c=${CHANNEL_BINDING},r=${nonce}`, 'utf8');
      const authMessage = Buffer.concat([
        this.#clientFirstBare, Buffer.from(','), serverFirst, Buffer.from(','), withoutProof,
      ]);

      const salted = await pbkdf2Async(password, salt, iterations, this.hash);
      const clientKey = hmac(this.hash, salted, 'Client Key');
      const serverKey = hmac(this.hash, salted, 'Server Key');
      const storedKey = createHash(this.hash).update(clientKey).digest();
      const clientSignature = hmac(this.hash, storedKey, authMessage);
      const proof = Buffer.alloc(clientKey.length);
      for (let i = 0; i < proof.length; i++) proof[i] = (clientKey[i] as number) ^ (clientSignature[i] as number);
      const serverSignature = hmac(this.hash, serverKey, authMessage);
      salted.fill(0);
      clientKey.fill(0);
      serverKey.fill(0);

      if (this.#state !== 'computing') throw new ScramError('client disposed during the exchange');
      this.#serverSignature = serverSignature;
      this.#state = 'final-sent';
      return Buffer.concat([withoutProof, Buffer.from(`,p=${proof.toString('base64')}`, 'utf8')]);
    } catch (err) {
      this.#state = 'failed';
      throw err;
    } finally {
      password?.fill(0);
    }
  }

  /** Checks server-final-message; throws ScramError on `e=` or a wrong signature. */
  verifyServerFinal(serverFinal: Buffer): void {
    this.#expect('final-sent', 'verifyServerFinal');
    try {
      const [first] = attributes(decodeUtf8(serverFinal, 'server-final-message'));
      const [name, value] = first ?? ['', ''];
      if (name === 'e') throw new ScramError(`server rejected the authentication: ${value}`, value);
      if (name !== 'v') throw new ScramError('server-final-message has no verifier');
      const received = decodeBase64(value, 'server signature');
      const expected = this.#serverSignature;
      if (!expected || received.length !== expected.length || !timingSafeEqual(received, expected)) {
        throw new ScramError('server signature mismatch: the server does not know the password');
      }
      this.#state = 'verified';
    } catch (err) {
      this.#state = 'failed';
      throw err;
    }
  }

  /** Wipes the prepared password if the exchange is abandoned early. */
  dispose(): void {
    this.#password?.fill(0);
    this.#password = null;
    if (this.#state !== 'verified') this.#state = 'failed';
  }

  #expect(state: State, step: string): void {
    if (this.#state !== state) throw new ScramError(`${step}() called in state "${this.#state}"`);
  }

  #parseServerFirst(serverFirst: Buffer): { nonce: string; salt: Buffer; iterations: number } {
    const attrs = attributes(decodeUtf8(serverFirst, 'server-first-message'));
    const [r, s, i] = attrs;
    if (r?.[0] === 'e') throw new ScramError(`server rejected the authentication: ${r[1]}`, r[1]);
    if (r?.[0] === 'm') throw new ScramError('server requires an unsupported SCRAM extension');
    if (r?.[0] !== 'r' || s?.[0] !== 's' || i?.[0] !== 'i') {
      throw new ScramError('server-first-message must start with r=, s=, i=');
    }
    // Extensions after i= (e.g. XEP-0474's d=) are optional and ignored.

    const nonce = r[1];
    if (!NONCE.test(nonce)) throw new ScramError('server nonce has forbidden characters');
    if (nonce.length <= this.#nonce.length || !nonce.startsWith(this.#nonce)) {
      throw new ScramError('server nonce does not extend the client nonce');
    }

    const salt = decodeBase64(s[1], 'salt');
    if (salt.length === 0) throw new ScramError('salt is empty');

    if (!/^[0-9]{1,7}$/.test(i[1])) throw new ScramError('iteration count is not a number in range');
    const iterations = Number(i[1]);
    if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw new ScramError(`iteration count ${iterations} outside ${MIN_ITERATIONS}..${MAX_ITERATIONS}`);
    }
    return { nonce, salt, iterations };
  }
}
