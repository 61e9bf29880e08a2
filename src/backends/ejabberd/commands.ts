// XEP-0133 Service Administration nodes as ejabberd's mod_configure and
// mod_announce offer them. Most failures of these nodes come back as a bare
// <item-not-found/> (a crash inside mod_configure, see XMPP-FACTS), so callers
// validate and check existence first instead of reading error texts.
import type { FieldValues } from '../../xmpp/adhoc.js';
import { UnexpectedAnswer } from '../../contract/xmpp-failures.js';
import type { IqRequester } from '../../xmpp/in-band-registration.js';
import { ADMIN_NS, queryAdminCommand, runAdminCommand } from '../../xmpp/service-admin.js';

/** The XEP-0133 nodes the bridge uses, by their short name. */
export type AdminNodeName =
  | 'add-user'
  | 'delete-user'
  | 'change-user-password'
  | 'end-user-session'
  | 'get-user-lastlogin'
  | 'user-stats'
  | 'get-registered-users-list'
  | 'get-registered-users-num'
  | 'get-online-users-list'
  | 'get-online-users-num'
  | 'announce'
  | 'set-motd'
  | 'delete-motd';

/** ejabberd's announce and message-of-the-day nodes belong to mod_announce; the rest to mod_configure. */
const ANNOUNCE_NODES = /^(announce|announce-all|set-motd|edit-motd|delete-motd)(-allhosts)?$/;

/** The ejabberd module that serves a node, for operators' messages; undefined when not known. */
export function serverModuleOf(node: string): string | undefined {
  if (!node.startsWith(`${ADMIN_NS}#`)) return undefined;
  return ANNOUNCE_NODES.test(node.slice(ADMIN_NS.length + 1)) ? 'mod_announce' : 'mod_configure';
}

/** Executes an admin node with a submitted form; never a false success (../../xmpp/service-admin.ts). */
const runAdmin = (session: IqRequester, host: string, name: AdminNodeName, values: FieldValues) => runAdminCommand(session, host, name, values);

/** Executes an admin node that answers at once; ejabberd refuses a submitted form for these. */
const queryAdmin = (session: IqRequester, host: string, name: AdminNodeName, field: string): Promise<string[]> =>
  queryAdminCommand(session, host, name, field);

/**
 * What get-user-lastlogin says of an account: 'never' for an account the
 * server has no record of (absent, or created while mod_last was off),
 * 'online', a time, or 'recorded' for a value this cannot read (the account
 * exists, when is unknown).
 */
export type LastLogin = { kind: 'never' } | { kind: 'online' } | { kind: 'at'; time: Date } | { kind: 'recorded' };

/**
 * get-user-lastlogin, read. ejabberd writes the time as "YYYY-MM-DD HH:MM:SS"
 * in ITS OWN local time zone, without saying which: this reads it in the
 * bridge's time zone, which is the server's when both run on one machine
 * (the example config's loopback-only listener).
 */
export async function readLastLogin(session: IqRequester, host: string, accountJid: string): Promise<LastLogin> {
  const result = await runAdmin(session, host, 'get-user-lastlogin', { accountjid: accountJid });
  const value = result.fields.get('lastlogin')?.[0];
  // No value at all (a form to fill, a note instead of a result): nothing can be told from it.
  if (value === undefined || value === '' || result.status !== 'completed') {
    throw new UnexpectedAnswer('the XMPP server answered get-user-lastlogin without a lastlogin value');
  }
  return parseLastLogin(value);
}

export function parseLastLogin(value: string): LastLogin {
  if (value === 'Never') return { kind: 'never' };
  if (value === 'Online') return { kind: 'online' };
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (!match) return { kind: 'recorded' };
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  return { kind: 'at', time: new Date(year, month - 1, day, hour, minute, second) };
}

export async function changeUserPassword(
  session: IqRequester,
  host: string,
  accountJid: string,
  password: string,
): Promise<void> {
  await runAdmin(session, host, 'change-user-password', { accountjid: accountJid, password });
}

/** ejabberd: <conflict/> if it exists; <item-not-found/> for a password that fails resourceprep. */
export async function addUser(session: IqRequester, host: string, accountJid: string, password: string): Promise<void> {
  await runAdmin(session, host, 'add-user', {
    accountjid: accountJid,
    password,
    'password-verify': password,
  });
}

/** All-or-nothing; <item-not-found/> when any account is missing. */
export async function deleteUsers(session: IqRequester, host: string, accountJids: readonly string[]): Promise<void> {
  await runAdmin(session, host, 'delete-user', { accountjids: accountJids });
}

/** Ends every session of a bare JID (or one, given a full JID). Succeeds for an account with none. */
export async function endUserSession(session: IqRequester, host: string, jid: string): Promise<void> {
  await runAdmin(session, host, 'end-user-session', { accountjid: jid });
}

/** The resources an account is online with (from user-stats); empty for an offline or missing account. */
export async function onlineResources(session: IqRequester, host: string, accountJid: string): Promise<string[]> {
  const result = await runAdmin(session, host, 'user-stats', { accountjid: accountJid });
  return result.fields.get('onlineresources') ?? [];
}

/** Bare JIDs of every account of the host. */
export function registeredUserJids(session: IqRequester, host: string): Promise<string[]> {
  return queryAdmin(session, host, 'get-registered-users-list', 'registereduserjids');
}

export async function registeredUsersCount(session: IqRequester, host: string): Promise<number> {
  return toCount(await queryAdmin(session, host, 'get-registered-users-num', 'registeredusersnum'));
}

/** Bare JIDs of the accounts with at least one session on the host. */
export function onlineUserJids(session: IqRequester, host: string): Promise<string[]> {
  return queryAdmin(session, host, 'get-online-users-list', 'onlineuserjids');
}

/** Number of sessions (not accounts) on the host. */
export async function onlineSessionsCount(session: IqRequester, host: string): Promise<number> {
  return toCount(await queryAdmin(session, host, 'get-online-users-num', 'onlineusersnum'));
}

/** A headline to every online session of the host. ejabberd: <not-acceptable/> for an empty body. */
export async function announce(session: IqRequester, host: string, subject: string, body: string): Promise<void> {
  await runAdmin(session, host, 'announce', { subject, body });
}

/** Stores the message of the day and sends it to the sessions online now. */
export async function setMotd(session: IqRequester, host: string, subject: string, body: string): Promise<void> {
  await runAdmin(session, host, 'set-motd', { subject, body });
}

export async function deleteMotd(session: IqRequester, host: string): Promise<void> {
  await runAdmin(session, host, 'delete-motd', { confirm: 'true' });
}

function toCount(values: string[]): number {
  const count = Number(values[0]);
  if (!Number.isSafeInteger(count) || count < 0) throw new Error('the XMPP server answered a count that is not a number');
  return count;
}
