// ejabberd stores a password only if it passes Resourceprep (RFC 3920
// appendix B; ejabberd_auth:validate_credentials). add-user crashes into a
// bare <item-not-found/> on such a password, and change-user-password ignores
// the refusal and answers success without changing anything: so the bridge
// checks first.
import { prepare } from './sasl/scram.js';
import { nodeprep } from '../contract/stringprep.js';

/**
 * Nodeprep and Resourceprep share their tables; Nodeprep adds case folding
 * (folded characters stay assigned, permitted letters) and prohibits
 * ` " & ' / : < > @`. Putting a bidi-neutral digit in their place makes
 * Nodeprep's verdict Resourceprep's, or stricter: a few passwords ejabberd
 * would take are refused (one that is only a non-breaking space once
 * normalised, say), never the other way round. That was checked against
 * ejabberd 23.01 with Latin, CJK, RTL, mixed-direction, emoji, unassigned,
 * space-like and over-long passwords.
 */
export function passesResourceprep(password: string): boolean {
  return nodeprep(password.replace(/[ "&'/:<>@]/g, '0')) !== undefined;
}

/** Whether SASL could send this password at all (RFC 4013); one it refuses cannot be anyone's. */
export function passesSaslprep(password: string): boolean {
  try {
    prepare(password, 'password');
    return true;
  } catch {
    return false;
  }
}
