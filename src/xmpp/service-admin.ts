// XEP-0133 Service Administration: its namespace, its node names, and
// running one of its commands (XEP-0050) with the FORM_TYPE it requires.
// What each server's nodes take and answer is its back end's knowledge
// (../backends/<server>/commands.ts).
import { executeCommand, requireCompleted, type CommandResult, type FieldValues } from './adhoc.js';
import type { IqRequester } from './in-band-registration.js';

export const ADMIN_NS = 'http://jabber.org/protocol/admin';

export const adminNode = (name: string): string => `${ADMIN_NS}#${name}`;

/**
 * Executes an admin node with a submitted form (FORM_TYPE added). Never a
 * false success: an answer that is not a completed command, or that carries
 * an error note, throws (./adhoc.ts requireCompleted).
 */
export async function runAdminCommand(session: IqRequester, host: string, name: string, values: FieldValues): Promise<CommandResult> {
  const node = adminNode(name);
  return requireCompleted(await executeCommand(session, host, node, { FORM_TYPE: ADMIN_NS, ...values }), node);
}

/** Executes an admin node that answers at once, submitting nothing, and reads one field of its result. */
export async function queryAdminCommand(session: IqRequester, host: string, name: string, field: string): Promise<string[]> {
  const node = adminNode(name);
  const result = requireCompleted(await executeCommand(session, host, node, undefined), node);
  return result.fields.get(field) ?? [];
}
