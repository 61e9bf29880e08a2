// HTTP Basic authentication of XMPP administrators for admin mounts without a
// key. The user name is the admin's JID (admin@localhost); the XMPP server
// decides, by a login as that JID (../../accounts/admin-login.ts). A verified
// credential is remembered briefly (./credential-cache.ts); logins for the
// same credential that arrive together share one verification.
//
// What is remembered is subject to revocation (../../shared/credential-revocations.ts):
// a refused password for an account, here or on another instance, or a
// password changed through the bridge, makes every instance forget that
// account's credentials; and while revocations may go unheard (the shared
// store is down) nothing remembered is used.
import type { AdminGrant, AdminLogin } from '../../admin/login.js';
import type { CredentialRevocations } from '../../shared/credential-revocations.js';
import { Refusal } from '../../contract/refusal.js';
import { nameprep, nodeprep } from '../../contract/stringprep.js';
import { CredentialCache } from './credential-cache.js';

export const BASIC_REALM = 'ejabberd-restful admin';

/** How long a verified credential is trusted, and how many are kept. */
export const CACHE_TTL_MS = 60_000;
export const CACHE_MAX_ENTRIES = 256;

export interface BasicAuthDeps {
  login: Pick<AdminLogin, 'verify'>;
  /** What remembered credentials are subject to: required, so no Basic auth can be built that misses a revocation. */
  revocations: CredentialRevocations;
  hosts: readonly string[];
  cache?: CredentialCache<AdminGrant>;
}

/** A verification under way, shared by the callers that present the same credential. */
interface Verifying {
  jid: string;
  grant: Promise<AdminGrant>;
  /** Revoked while under way: its verdict may predate the change, so it is not remembered. */
  revoked: boolean;
}

export class BasicAuth {
  readonly #login: Pick<AdminLogin, 'verify'>;
  readonly #revocations: CredentialRevocations;
  readonly #hosts: readonly string[];
  readonly #cache: CredentialCache<AdminGrant>;
  readonly #verifying = new Map<string, Verifying>();

  constructor({ login, revocations, hosts, cache }: BasicAuthDeps) {
    this.#login = login;
    this.#revocations = revocations;
    this.#hosts = hosts;
    this.#cache = cache ?? new CredentialCache({ maxEntries: CACHE_MAX_ENTRIES, ttlMs: CACHE_TTL_MS });
    revocations.subscribe((jid) => this.#forget(jid));
  }

  /**
   * The administrator the Authorization header names; 401 (with a challenge)
   * or 403 otherwise. `client` is the caller's address: wrong logins are limited per address.
   */
  async authenticate(authorization: string | undefined, client: string): Promise<AdminGrant> {
    const { username, host, password } = this.#parse(authorization);
    const jid = `${username}@${host}`;
    const remembered = this.#trusted() ? this.#cache.get(jid, password) : undefined;
    if (remembered !== undefined) return remembered;

    const key = `${jid}\0${this.#cache.fingerprint(jid, password).toString('base64')}`;
    let verifying = this.#verifying.get(key);
    if (verifying === undefined) {
      const entry: Verifying = { jid, grant: this.#verify(jid, { username, host }, password, client), revoked: false };
      entry.grant.then(
        (grant) => {
          if (!entry.revoked && this.#trusted()) this.#cache.set(jid, password, grant);
        },
        () => undefined,
      );
      const settled = () => {
        this.#verifying.delete(key);
      };
      entry.grant.then(settled, settled);
      this.#verifying.set(key, entry);
      verifying = entry;
    }
    try {
      return await verifying.grant;
    } catch (error) {
      if (error instanceof Refusal && error.reason === 'unauthenticated') throw challenge(error.detail);
      throw error;
    }
  }

  /** Asks the server; a refused password revokes what any instance remembers for the account. */
  async #verify(jid: string, account: { username: string; host: string }, password: string, client: string): Promise<AdminGrant> {
    try {
      return await this.#login.verify(account, password, client);
    } catch (error) {
      if (error instanceof Refusal && error.reason === 'unauthenticated') await this.#revocations.revoke(jid);
      throw error;
    }
  }

  /** Whether remembered credentials may be used: not while revocations may go unheard, and those remembered before are dropped. */
  #trusted(): boolean {
    const heard = this.#revocations.heard;
    if (!heard) this.#forget(undefined);
    return heard;
  }

  #forget(jid: string | undefined): void {
    if (jid === undefined) this.#cache.clear();
    else this.#cache.delete(jid);
    for (const verifying of this.#verifying.values()) {
      if (jid === undefined || verifying.jid === jid) verifying.revoked = true;
    }
  }

  #parse(authorization: string | undefined): { username: string; host: string; password: string } {
    if (authorization === undefined) throw challenge('HTTP Basic credentials are required');
    const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(authorization);
    if (!match) throw challenge('the Authorization header is not HTTP Basic credentials');
    const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw challenge('the Basic credentials have no password');
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const parts = /^([^@/]+)@([^@/]+)$/.exec(user);
    if (!parts) throw challenge('the Basic user name must be an account JID such as admin@localhost');
    const username = nodeprep(parts[1] as string);
    const host = nameprep(parts[2] as string);
    if (username === undefined || host === undefined) throw challenge('the Basic user name is not a valid JID');
    if (!this.#hosts.includes(host)) throw challenge(`${host} is not served by this bridge`);
    if (password === '') throw challenge('the Basic password is empty');
    return { username, host, password };
  }
}

function challenge(detail: string): Refusal {
  return new Refusal('unauthenticated', detail, { basicRealm: BASIC_REALM });
}
