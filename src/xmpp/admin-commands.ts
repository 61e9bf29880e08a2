// XEP-0133 Service Administration nodes as ejabberd's mod_configure offers
// them. Most failures of these nodes come back as a bare <item-not-found/>
// (a crash inside mod_configure, see XMPP-FACTS), so callers validate and
// check existence first instead of reading error texts.
import { executeCommand, type FieldValues } from './adhoc.js';
import type { IqRequester } from './in-band-registration.js';

export const ADMIN_NS = 'http://jabber.org/protocol/admin';

export const adminNode = (name: string): string => `${ADMIN_NS}#${name}`;

function runAdmin(session: IqRequester, host: string, name: string, values: FieldValues) {
  return executeCommand(session, host, adminNode(name), { FORM_TYPE: ADMIN_NS, ...values });
}

/**
 * The raw last-login value of an account: 'Never' for an account the server
 * has no record of (absent, or created while mod_last was off), 'Online', or
 * a timestamp.
 */
export async function getUserLastLogin(
  session: IqRequester,
  host: string,
  accountJid: string,
): Promise<string> {
  const result = await runAdmin(session, host, 'get-user-lastlogin', { accountjid: accountJid });
  return result.fields.get('lastlogin')?.[0] ?? '';
}

export async function changeUserPassword(
  session: IqRequester,
  host: string,
  accountJid: string,
  password: string,
): Promise<void> {
  await runAdmin(session, host, 'change-user-password', { accountjid: accountJid, password });
}
