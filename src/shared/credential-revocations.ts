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
import { Refusal } from '../contract/refusal.js';
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

/** A failure after which the account may still have been changed: the server may have done it. */
function outcomeUnknown(error: unknown): boolean {
  return !(error instanceof Refusal) || error.reason === 'timeout' || error.reason === 'upstream_error' || error.reason === 'internal_error';
}

/**
 * Runs `change`, which may change or remove the password of `jid`, and then
 * makes every instance forget the credentials verified for it: after
 * success, and after a failure whose outcome is unknown. Every operation of
 * the bridge that changes a password goes through this (accounts/accounts.ts,
 * admin/server-commands.ts, which cannot be built without revocations).
 * Changes made elsewhere (ejabberdctl, the adhoc escape hatch, the user's
 * own client) are caught when the old password is refused on any instance,
 * or when the remembered credential expires.
 */
export async function revokingAfter<T>(revocations: CredentialRevocations, jid: string, change: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await change();
  } catch (error) {
    if (outcomeUnknown(error)) await revocations.revoke(jid);
    throw error;
  }
  await revocations.revoke(jid);
  return result;
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
