// SASL (RFC 6120 section 6) stream-feature plugin. It replaces @xmpp/sasl +
// @xmpp/sasl-scram-sha-1 because their SCRAM-SHA-1 runs PBKDF2 as ~8000
// awaited WebCrypto calls (0.25-0.65 s CPU per login), breaks non-Latin-1
// usernames (btoa), never checks the server signature, lacks SCRAM-SHA-256,
// and leaves its listener attached when the connection drops mid-exchange.
import { xml } from '@xmpp/client-core';
import type { Entity } from '@xmpp/middleware';
import type { StreamFeatures } from '@xmpp/stream-features';

import { ScramClient, ScramError, decodeBase64, hashForMechanism } from './scram.js';

export const SASL_NS = 'urn:ietf:params:xml:ns:xmpp-sasl';

type XmlElement = ReturnType<typeof xml>;

export type SaslMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-1' | 'PLAIN';

export interface SaslCredentials {
  username: string;
  password: string;
}

export interface CredentialsContext<TEntity extends Entity> {
  entity: TEntity;
  /** Mechanism names the server offered, in its order. */
  offered: readonly string[];
  /** The mechanism that will be used. */
  mechanism: SaslMechanism;
}

/**
 * Called once per stream negotiation, after <stream:features> and before <auth>.
 * The stream is usable here (e.g. for in-band registration); throwing aborts.
 */
export type CredentialsProvider<TEntity extends Entity> = (
  context: CredentialsContext<TEntity>,
) => SaslCredentials | Promise<SaslCredentials>;

export interface SaslNegotiationOptions {
  /** Milliseconds to wait for each server answer; 0 disables. Default 30000. */
  timeout?: number;
}

/** The server answered <failure/>: `condition` is e.g. 'not-authorized'. */
export class SaslFailure extends Error {
  override readonly name = 'SaslFailure';
  readonly condition: string;
  readonly text: string;
  readonly mechanism: string;

  constructor(condition: string, text: string, mechanism: string) {
    super(`SASL ${mechanism} failed: ${condition}${text ? ` - ${text}` : ''}`);
    this.condition = condition;
    this.text = text;
    this.mechanism = mechanism;
  }

  static fromElement(failure: XmlElement, mechanism: string): SaslFailure {
    const condition = failure.getChildElements().find((child) => child.name !== 'text');
    const text = failure.getChildText('text') ?? '';
    return new SaslFailure(condition?.name ?? 'undefined-condition', text, mechanism);
  }
}

/** None of the offered mechanisms is acceptable (PLAIN counts only over TLS). */
export class SaslNoMechanismError extends Error {
  override readonly name = 'SaslNoMechanismError';
  readonly offered: readonly string[];
  readonly secure: boolean;

  constructor(offered: readonly string[], secure: boolean) {
    super(
      `SASL: no usable mechanism; server offered [${offered.join(', ')}], ` +
        `supported: SCRAM-SHA-256, SCRAM-SHA-1${secure ? ', PLAIN' : ' (PLAIN only over TLS)'}`,
    );
    this.offered = offered;
    this.secure = secure;
  }
}

/** SCRAM-SHA-256 > SCRAM-SHA-1 > PLAIN (only on a TLS stream, only without SCRAM). */
export function selectMechanism(offered: readonly string[], secure: boolean): SaslMechanism | undefined {
  if (offered.includes('SCRAM-SHA-256')) return 'SCRAM-SHA-256';
  if (offered.includes('SCRAM-SHA-1')) return 'SCRAM-SHA-1';
  if (secure && offered.includes('PLAIN')) return 'PLAIN';
  return undefined;
}

/** Registers the SASL handler on `streamFeatures`; on success the stream is restarted. */
export function saslNegotiation<TEntity extends Entity>(
  { streamFeatures }: { streamFeatures: StreamFeatures<TEntity> },
  credentials: CredentialsProvider<TEntity>,
  options: SaslNegotiationOptions = {},
): void {
  const timeout = options.timeout ?? 30_000;
  streamFeatures.use('mechanisms', SASL_NS, async ({ entity }, _next, feature) => {
    const offered = feature.getChildren('mechanism', SASL_NS).map((m) => m.text().trim());
    const secure = entity.isSecure();
    const mechanism = selectMechanism(offered, secure);
    if (!mechanism) throw new SaslNoMechanismError(offered, secure);

    const creds = await credentials({ entity, offered, mechanism });
    await authenticate(entity, mechanism, creds, timeout);
    await entity.restart();
  });
}

async function authenticate(
  entity: Entity,
  mechanism: SaslMechanism,
  creds: SaslCredentials,
  timeout: number,
): Promise<void> {
  const hash = hashForMechanism(mechanism);
  if (!hash) {
    // RFC 4616: authzid NUL authcid NUL passwd, UTF-8; the server does SASLprep.
    if (creds.username.includes('\0') || creds.password.includes('\0')) {
      throw new Error('SASL PLAIN: username and password must not contain NUL');
    }
    const message = Buffer.from(`\0${creds.username}\0${creds.password}`, 'utf8');
    const initial = encode(message);
    message.fill(0);
    await exchange(entity, mechanism, initial, timeout, (element) => {
      if (element.name === 'challenge') throw new Error('SASL PLAIN: unexpected <challenge/>');
      return Promise.resolve(element.name === 'success');
    });
    return;
  }

  const scram = new ScramClient({ hash, username: creds.username, password: creds.password });
  let step = 0;
  try {
    await exchange(entity, mechanism, encode(scram.clientFirst()), timeout, async (element) => {
      if (element.name === 'challenge') {
        const data = decode(element);
        step += 1;
        if (step === 1) {
          await entity.send(response(await scram.clientFinal(data)));
        } else if (step === 2) {
          // RFC 6120 6.3.10: server-final may come as a challenge, answered empty.
          scram.verifyServerFinal(data);
          await entity.send(response(Buffer.alloc(0)));
        } else {
          throw new ScramError('too many SASL challenges');
        }
        return false;
      }
      if (element.name === 'success') {
        const data = decode(element);
        if (!scram.verified) {
          if (data.length === 0) throw new ScramError('<success/> without the server signature');
          scram.verifyServerFinal(data);
        }
        return true;
      }
      return false;
    });
  } finally {
    scram.dispose();
  }
}

function encode(data: Buffer): string {
  // RFC 6120 6.4.2: zero-length data is sent as '='.
  return data.length === 0 ? '=' : data.toString('base64');
}

function decode(element: XmlElement): Buffer {
  const text = element.text().replace(/\s+/g, '');
  return text === '' || text === '=' ? Buffer.alloc(0) : decodeBase64(text, `<${element.name}/> data`);
}

function response(data: Buffer): XmlElement {
  return xml('response', { xmlns: SASL_NS }, encode(data));
}

/**
 * Sends <auth/> and feeds each SASL nonza, in order, to `step` until it returns
 * true (success). Rejects on <failure/>, a thrown step, disconnect or timeout,
 * and always detaches its listeners (a dropped stream must not leak them into
 * the next connection's negotiation).
 */
function exchange(
  entity: Entity,
  mechanism: string,
  initial: string,
  timeout: number,
  step: (element: XmlElement) => Promise<boolean>,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let queue = Promise.resolve();

    const arm = (): void => {
      clearTimeout(timer);
      if (timeout > 0 && !settled) {
        timer = setTimeout(() => fail(new Error(`SASL ${mechanism}: no answer from the server in ${timeout} ms`)), timeout);
      }
    };
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      entity.off('nonza', onNonza);
      entity.off('disconnect', onClosed);
      entity.off('close', onClosed);
      return true;
    };
    const fail = (err: unknown): void => {
      if (settle()) reject(err instanceof Error ? err : new Error(`SASL ${mechanism}: ${String(err)}`));
    };
    const onClosed = (): void => fail(new Error(`SASL ${mechanism}: stream closed during authentication`));
    const onNonza = (element: XmlElement): void => {
      if (element.getNS() !== SASL_NS) return;
      clearTimeout(timer);
      queue = queue
        .then(async () => {
          if (settled) return;
          if (element.name === 'failure') throw SaslFailure.fromElement(element, mechanism);
          if (await step(element)) {
            if (settle()) resolve();
          } else {
            arm();
          }
        })
        .catch(fail);
    };

    entity.on('nonza', onNonza);
    entity.on('disconnect', onClosed);
    entity.on('close', onClosed);
    entity.send(xml('auth', { xmlns: SASL_NS, mechanism }, initial)).then(arm, fail);
  });
}
