// Deciding whether a caller's credentials belong to an administrator, by
// asking the XMPP server itself: the bridge logs in as that account and lists
// the ad-hoc command nodes each host offers it. ejabberd lists the XEP-0133
// admin nodes only to accounts its `configure` (mod_configure) or `announce`
// (mod_announce) access rules allow, and refuses them to everyone else, so
// that list is what this account may do as an admin, host by host.
import { listCommandsByHost } from '../xmpp/adhoc.js';
import { ADMIN_NS } from '../xmpp/service-admin.js';
import { passesSaslprep } from '../xmpp/password-prep.js';
import type { UserLogin } from '../backends/backend.js';
import { jidOf, type Account } from '../contract/account.js';
import type { LoginLimits } from '../limits/login-limits.js';
import { attempt, isWrongPassword } from '../contract/xmpp-outcome.js';
import { Refusal } from '../contract/refusal.js';
import { missingNodes, type OfferedNodes } from './capabilities.js';

/** A verified administrator and the command nodes the server offers it. */
export interface AdminGrant {
  jid: string;
  offered: OfferedNodes;
}

export interface AdminLoginDeps {
  loginAs: UserLogin;
  /** Limits on wrong passwords, per account, per client address and (optionally) in all. */
  limits: LoginLimits;
  hosts: readonly string[];
}

const WRONG = 'the XMPP server refused this user name and password';

export class AdminLogin {
  readonly #deps: AdminLoginDeps;

  constructor(deps: AdminLoginDeps) {
    this.#deps = deps;
  }

  /**
   * Logs in as `account` for a caller at address `client` (unauthenticated
   * when refused, within the login limits), lists the commands
   * offered to it on every host, and refuses with not_allowed an account that
   * is offered no admin command anywhere.
   */
  async verify(account: Account, password: string, client: string): Promise<AdminGrant> {
    // A password SASLprep refuses cannot be anyone's; refusing here costs no failed login.
    if (!passesSaslprep(password)) throw new Refusal('unauthenticated', WRONG);
    const { loginAs, limits, hosts } = this.#deps;
    const jid = jidOf(account);
    const login = () => loginAs(account, password, (session) => listCommandsByHost(session, hosts));
    const offered = await attempt(
      () => limits.check({ account: jid, client, login: true }, login, isWrongPassword),
      {},
      new Refusal('unauthenticated', WRONG),
    );
    const isAdmin = [...offered.values()].some((nodes) => [...nodes].some((node) => node.startsWith(`${ADMIN_NS}#`)));
    if (!isAdmin) throw new Refusal('not_allowed', `${jid} is not an administrator of this XMPP server`);
    return { jid, offered };
  }
}

/** Refuses with not_allowed unless the server offers the admin every node on every host. */
export function requireOffered(grant: AdminGrant, nodes: readonly string[], hosts: readonly string[]): void {
  const [first] = missingNodes(grant.offered, nodes, hosts);
  if (first) throw new Refusal('not_allowed', `the XMPP server does not let ${grant.jid} run ${first.node} on ${first.host}`);
}
