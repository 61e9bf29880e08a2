// HTTP Basic authentication of XMPP administrators for admin mounts without a
// key. The user name is the admin's JID (admin@localhost); the XMPP server
// decides, by a login as that JID (../../accounts/admin-login.ts). A verified
// credential is remembered briefly (./credential-cache.ts); logins for the
// same credential that arrive together share one verification.
import type { AdminGrant, AdminLogin } from '../../accounts/admin-login.js';
import { Refusal } from '../../accounts/refusal.js';
import { nameprep, nodeprep } from '../../xmpp/stringprep.js';
import { CredentialCache } from './credential-cache.js';

export const BASIC_REALM = 'ejabberd-restful admin';

/** How long a verified credential is trusted, and how many are kept. */
export const CACHE_TTL_MS = 60_000;
export const CACHE_MAX_ENTRIES = 256;

export interface BasicAuthDeps {
  login: Pick<AdminLogin, 'verify'>;
  hosts: readonly string[];
  cache?: CredentialCache<AdminGrant>;
}

export class BasicAuth {
  readonly #login: Pick<AdminLogin, 'verify'>;
  readonly #hosts: readonly string[];
  readonly #cache: CredentialCache<AdminGrant>;
  readonly #verifying = new Map<string, Promise<AdminGrant>>();

  constructor({ login, hosts, cache }: BasicAuthDeps) {
    this.#login = login;
    this.#hosts = hosts;
    this.#cache = cache ?? new CredentialCache({ maxEntries: CACHE_MAX_ENTRIES, ttlMs: CACHE_TTL_MS });
  }

  /**
   * The administrator the Authorization header names; 401 (with a challenge)
   * or 403 otherwise. `client` is the caller's address: wrong logins are limited per address.
   */
  async authenticate(authorization: string | undefined, client: string): Promise<AdminGrant> {
    const { username, host, password } = this.#parse(authorization);
    const jid = `${username}@${host}`;
    const remembered = this.#cache.get(jid, password);
    if (remembered !== undefined) return remembered;

    const key = `${jid}\0${this.#cache.fingerprint(jid, password).toString('base64')}`;
    let verifying = this.#verifying.get(key);
    if (verifying === undefined) {
      verifying = this.#login.verify({ username, host }, password, client).then(
        (grant) => {
          this.#cache.set(jid, password, grant);
          return grant;
        },
      );
      const settled = () => {
        this.#verifying.delete(key);
      };
      verifying.then(settled, settled);
      this.#verifying.set(key, verifying);
    }
    try {
      return await verifying;
    } catch (error) {
      if (error instanceof Refusal && error.reason === 'unauthenticated') throw challenge(error.detail);
      throw error;
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
