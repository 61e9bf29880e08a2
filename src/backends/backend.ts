// A server back end: how the account operations and the admin commands are
// carried out on one kind of XMPP server (ejabberd, Prosody, ...). The
// accounts layer (src/accounts/accounts.ts, server-commands.ts) keeps what
// is the same everywhere (protected accounts, the login limits, admin
// grants, the capability check) and asks the back end chosen for the
// connected server (./selector.ts, ./registry.ts) for the rest. Each back
// end declares, per operation, the ad-hoc nodes it sends or why it cannot
// serve it (answered 501 not_supported before anything is sent); the
// README's table of what works where is checked against these declarations.
import type { Account } from '../contract/account.js';
import type { LoginLimits } from '../limits/login-limits.js';
import type { UserSession } from '../xmpp/login.js';
import type { IqRequester } from '../xmpp/in-band-registration.js';

/** The register module's endpoints. */
export const REGISTER_ENDPOINTS = ['register', 'is_registered', 'unregister', 'change_password', 'force_change_password'] as const;
export type RegisterEndpoint = (typeof REGISTER_ENDPOINTS)[number];

/** The admin module's server commands (ejabberd's names), each one operation. */
export const ADMIN_OPERATIONS = [
  'register',
  'unregister',
  'change_password',
  'check_account',
  'registered_users',
  'registered_users_number',
  'connected_users',
  'connected_users_number',
  'kick_user',
  'get_last',
  'send_announcement',
  'set_motd',
  'delete_motd',
] as const;
export type Operation = (typeof ADMIN_OPERATIONS)[number];

/**
 * How a back end serves an operation: how (a short phrase for people) and
 * the ad-hoc command nodes it sends (each must be offered to the bridge on
 * the hosts concerned), or why it cannot (a 501 not_supported detail).
 */
export type Support = { how: string; nodes: readonly string[] } | { unsupported: string };

export interface LastActivity {
  /** Undefined when the server has no record of the account. */
  at: Date | undefined;
  /** ejabberd's status words: 'ONLINE', 'NOT FOUND'; '' for an offline account (its last status text is not available over XMPP). */
  status: string;
}

/** Logs in as the account with `password` and runs `work` on that session. */
export type UserLogin = <T>(account: Account, password: string, work: (session: UserSession) => Promise<T>) => Promise<T>;

export interface BackendDeps {
  /** The bridge's own admin sessions. */
  session: IqRequester;
  loginAs: UserLogin;
  /** Limits on wrong passwords: every password check a back end makes goes through them. */
  limits: LoginLimits;
}

/** The register module's operations that differ between servers. Protected accounts are checked before these run. */
export interface AccountBackend {
  register(account: Account, password: string): Promise<void>;
  /** Without side effects. */
  isRegistered(account: Account): Promise<boolean>;
  /** Removes the account if `password` is right (checked within the login limits); not_exists / not_allowed. */
  unregister(account: Account, password: string): Promise<void>;
  /** Sets the password without the old one; not_exists for an unknown account. */
  forceChangePassword(account: Account, newPassword: string): Promise<void>;
}

/** The admin commands. Protected accounts, admin grants and offered nodes are checked before these run. */
export interface AdminBackend {
  register(account: Account, password: string): Promise<void>;
  /** Removes an account known to exist (checked just before). */
  unregister(account: Account): Promise<void>;
  changePassword(account: Account, password: string): Promise<void>;
  registeredUsers(host: string): Promise<string[]>;
  registeredUsersNumber(host: string): Promise<number>;
  /** Full JIDs of every session on these hosts. */
  connectedUsers(hosts: readonly string[]): Promise<string[]>;
  connectedUsersNumber(hosts: readonly string[]): Promise<number>;
  /** Ends every session of the account; answers how many there were (0 for an unknown account). */
  kickUser(account: Account): Promise<number>;
  lastActivity(account: Account): Promise<LastActivity>;
  sendAnnouncement(host: string, subject: string, body: string): Promise<void>;
  setMotd(host: string, subject: string, body: string): Promise<void>;
  deleteMotd(host: string): Promise<void>;
}

export interface ServerBackend {
  readonly kind: string;
  readonly accounts: AccountBackend;
  readonly admin: AdminBackend;
}

/** What the registry knows of a back end before any server is connected; `K`: its name in `xmpp.server`. */
export interface BackendEntry<K extends string = string> {
  readonly kind: K;
  /** The server's name for people, e.g. "Prosody 0.12+". */
  readonly label: string;
  /** Whether a server that names itself `name` (XEP-0092 or disco identity) is this one. */
  readonly recognises: (name: string) => boolean;
  readonly support: { register: Readonly<Record<RegisterEndpoint, Support>>; admin: Readonly<Record<Operation, Support>> };
  /** The server module that serves an ad-hoc node, for operators' messages; undefined when not known. */
  readonly moduleOf: (node: string) => string | undefined;
  /** How to enable that module, for a 501 detail. */
  readonly enableHint: (module: string) => string;
  readonly create: (deps: BackendDeps) => ServerBackend;
}

/** Operations that span all hosts rather than one. */
export const ALL_HOSTS: ReadonlySet<Operation> = new Set(['connected_users', 'connected_users_number']);
