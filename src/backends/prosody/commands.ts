// XEP-0133 nodes as Prosody 0.12's mod_admin_adhoc and mod_announce offer
// them (XMPP-FACTS, Prosody section). Prosody reports nearly every failure
// as a COMPLETED command with <note type='error'> ("Account already exists",
// "User does not exist"), never as an IQ error, and some only in an info
// note ("could not be deleted"): every answer is checked here, so nothing
// above reads a failure as a success. Field names differ from ejabberd's
// (end-user-session takes `accountjids`, announce `announcement`), and a
// node only acts on accounts of the host it is sent to.
import { xml } from '@xmpp/client-core';
import { executeCommand, executeInTwoSteps, failureNote, requireCompleted, type CommandResult, type FieldValues } from '../../xmpp/adhoc.js';
import { CommandNoteFailure } from '../../contract/xmpp-failures.js';
import type { IqRequester } from '../../xmpp/in-band-registration.js';
import type { UserSession } from '../../xmpp/login.js';
import { ADMIN_NS, adminNode, runAdminCommand } from '../../xmpp/service-admin.js';

/** The Prosody nodes the bridge uses, by their short name under ADMIN_NS. */
export type ProsodyNodeName =
  | 'add-user'
  | 'delete-user'
  | 'change-user-password'
  | 'end-user-session'
  | 'user-stats'
  | 'get-online-users-list'
  | 'announce';

/** Prosody's text for a missing account (user-stats, change-user-password). */
const NO_SUCH_USER = 'User does not exist';

const run = (session: IqRequester, host: string, name: ProsodyNodeName, values: FieldValues): Promise<CommandResult> =>
  runAdminCommand(session, host, name, values);

/** Creates the account. "Account already exists" comes back as a CommandNoteFailure. */
export async function addUser(session: IqRequester, host: string, accountJid: string, password: string): Promise<void> {
  await run(session, host, 'add-user', { accountjid: accountJid, password, 'password-verify': password });
}

/**
 * user-stats: the online resources of an existing account, or undefined when
 * Prosody says "User does not exist" (the side-effect-free existence check).
 */
export async function userStats(session: IqRequester, host: string, accountJid: string): Promise<{ resources: string[] } | undefined> {
  const node = adminNode('user-stats');
  const result = await executeCommand(session, host, node, { FORM_TYPE: ADMIN_NS, accountjid: accountJid });
  if (failureNote(result) === NO_SUCH_USER) return undefined;
  requireCompleted(result, node);
  // A completed command without its result form tells nothing: not read as "exists".
  if (!result.fields.has('onlineresources') && !result.fields.has('rostersize')) {
    throw new CommandNoteFailure(node, 'user-stats answered without its result form');
  }
  return { resources: (result.fields.get('onlineresources') ?? []).filter((r) => r !== '') };
}

/** Sets the password; "User does not exist" comes back as a CommandNoteFailure. */
export async function changeUserPassword(session: IqRequester, host: string, accountJid: string, password: string): Promise<void> {
  await run(session, host, 'change-user-password', { accountjid: accountJid, password });
}

/** Deletes the accounts; Prosody tells the ones it could not delete in an INFO note, read here as a failure. */
export async function deleteUsers(session: IqRequester, host: string, accountJids: readonly string[]): Promise<void> {
  const result = await run(session, host, 'delete-user', { accountjids: accountJids });
  throwIfNotDone(result, 'delete-user', 'could not be deleted');
}

/** Ends every session of the accounts (bare JIDs). */
export async function endUserSessions(session: IqRequester, host: string, accountJids: readonly string[]): Promise<void> {
  const result = await run(session, host, 'end-user-session', { accountjids: accountJids });
  throwIfNotDone(result, 'end-user-session', 'could not be disconnected');
}

/** Bare JIDs of the accounts online on the host: every one (max_items=all; without it Prosody answers its form). */
export async function onlineUserJids(session: IqRequester, host: string): Promise<string[]> {
  const result = await run(session, host, 'get-online-users-list', { max_items: 'all' });
  return (result.fields.get('onlineuserjids') ?? []).filter((jid) => jid !== '');
}

/** A headline to every session online on the host. Prosody needs the two-step exchange (one step sends nothing). */
export async function announce(session: IqRequester, host: string, subject: string, body: string): Promise<void> {
  const node = adminNode('announce');
  const result = await executeInTwoSteps(session, host, node, { FORM_TYPE: ADMIN_NS, subject, announcement: body });
  requireCompleted(result, node);
}

/**
 * XEP-0077 §3.2 cancellation, ON THE USER'S OWN SESSION ONLY: removes the
 * account that is logged in. Prosody reads <remove/> as "delete the
 * sender's account" whatever else the query says, so this must never be
 * sent from the bridge's admin session (it would delete the bridge's own
 * account): it takes the short-lived UserSession that login.ts opens.
 */
export async function removeOwnAccount(user: UserSession, host: string): Promise<void> {
  await user.request(xml('iq', { type: 'set', to: host }, xml('query', { xmlns: 'jabber:iq:register' }, xml('remove', {}))));
}

function throwIfNotDone(result: CommandResult, name: ProsodyNodeName, failed: string): void {
  const refused = result.notes.find((note) => note.text.includes(failed));
  if (refused) throw new CommandNoteFailure(adminNode(name), refused.text);
}
