// Revoking verified credentials: when an account's password may have
// changed (through the bridge) or a password for it was refused, every
// instance forgets the credentials it verified for that account, so the next
// use is checked by the XMPP server again. Only the account's JID travels,
// never a password or a digest of one.
//
// With limits.store, revocations go over Redis pub/sub. Pub/sub delivers
// only to those listening: while an instance's link to Redis is down it
// trusts nothing it remembered (`heard` is false), and it forgets everything
// whenever the link goes down or comes back; a revocation it could not
// publish is made good by revoking everything once the link is back.
import type { Logger } from 'pino';
import type { RedisLink } from './redis-link.js';

/** `forget(jid)` forgets one account; `forget(undefined)` everything (revocations may have been missed). */
export type Forget = (jid: string | undefined) => void;

export interface CredentialRevocations {
  /** Every instance forgets what it verified for `jid`. Never throws; resolves once announced (or failed to be). */
  revoke(jid: string): Promise<void>;
  /** Calls `forget` on every revocation, here or from another instance. */
  subscribe(forget: Forget): void;
  /** False while revocations may go unheard: remembered credentials must not be used meanwhile. */
  readonly heard: boolean;
}

/** Revocations within this process (no limits.store). */
export class LocalRevocations implements CredentialRevocations {
  readonly #listeners: Forget[] = [];
  readonly heard = true;

  revoke(jid: string): Promise<void> {
    for (const forget of this.#listeners) forget(jid);
    return Promise.resolve();
  }

  subscribe(forget: Forget): void {
    this.#listeners.push(forget);
  }
}

const CHANNEL = 'ejabberd-restful:credentials-revoked';
/** The message that revokes everything. JIDs always contain '@'. */
const EVERYTHING = '*';

/** Revocations shared by every instance connected to the same Redis. */
export class RedisRevocations implements CredentialRevocations {
  readonly #link: RedisLink;
  readonly #log: Logger;
  readonly #listeners: Forget[] = [];
  /** A revocation could not be published: revoke everything once the link is back. */
  #unpublished = false;

  constructor(link: RedisLink, log: Logger) {
    this.#link = link;
    this.#log = log;
    link.subscribe(CHANNEL, (message) => {
      const jid = message === EVERYTHING ? undefined : message;
      log.debug({ account: jid ?? 'all' }, 'verified credentials revoked');
      this.#forget(jid);
    });
    link.on('down', () => this.#forget(undefined));
    link.on('up', () => {
      this.#forget(undefined);
      if (this.#unpublished) void this.#publish(EVERYTHING);
    });
  }

  get heard(): boolean {
    return this.#link.isUp;
  }

  async revoke(jid: string): Promise<void> {
    // Here at once, not only when our own message comes back.
    this.#forget(jid);
    await this.#publish(jid);
  }

  subscribe(forget: Forget): void {
    this.#listeners.push(forget);
  }

  async #publish(message: string): Promise<void> {
    try {
      await this.#link.commands.publish(CHANNEL, message);
      if (message === EVERYTHING) this.#unpublished = false;
    } catch (error) {
      this.#link.commandFailed(error);
      if (!this.#unpublished) {
        this.#log.warn('a credential revocation could not be published; every instance forgets all verified credentials once Redis is back');
      }
      this.#unpublished = true;
    }
  }

  #forget(jid: string | undefined): void {
    for (const forget of this.#listeners) forget(jid);
  }
}
