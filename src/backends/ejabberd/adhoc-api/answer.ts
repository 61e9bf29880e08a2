// How ejabberd's mod_adhoc_api (25.03+) answers an executed command
// `api-commands/<name>`. The completed form echoes every submitted argument
// (passwords too), then a fixed "Result" heading, then the result fields. A
// failure is not an IQ error: it is a result field `error` labelled
// "Error <code>" (mod_http_api's codes), or a rescode `res` of "1".
// This reader keeps only what follows the heading, so nothing echoed can
// reach a caller, and turns every failure into CommandFailed.
import { type CommandResult, type FormField } from '../../../xmpp/adhoc.js';
import { CommandFailed, UnexpectedAnswer } from '../../../contract/xmpp-failures.js';

export const API_COMMANDS_PREFIX = 'api-commands/';

/** The ad-hoc node of an ejabberd API command. */
export const apiCommandNode = (command: string): string => `${API_COMMANDS_PREFIX}${command}`;

/** The API command a node runs, or undefined when it is not an api-commands node. */
export function apiCommandOf(node: string): string | undefined {
  return node.startsWith(API_COMMANDS_PREFIX) && node.length > API_COMMANDS_PREFIX.length
    ? node.slice(API_COMMANDS_PREFIX.length)
    : undefined;
}

const RESULT_HEADING = 'Result';
const ERROR_LABEL = /^Error (\d{3})$/;

/**
 * The result fields of a completed api-commands answer (never the echoed
 * arguments). Throws CommandFailed for an `error` field, and UnexpectedAnswer
 * when the answer has no Result heading (not mod_adhoc_api's shape).
 * `secrets`: submitted values that must never appear in an error text.
 */
export function resultFields(node: string, result: CommandResult, secrets: readonly string[]): FormField[] {
  const heading = result.form.findIndex((f) => f.name === '' && f.type === 'fixed' && f.label === RESULT_HEADING);
  if (heading < 0) throw new UnexpectedAnswer(`the XMPP server answered ${node} without a Result section`);
  const fields = result.form.slice(heading + 1).filter((f) => f.name !== '');
  const error = fields.find((f) => f.name === 'error');
  if (error) {
    const code = ERROR_LABEL.exec(error.label ?? '')?.[1];
    throw new CommandFailed(node, mask(error.values.join('\n') || 'no reason given', secrets), code === undefined ? undefined : Number(code));
  }
  return fields;
}

/**
 * A rescode result (`res`: "0" ok, "1" failed) as a failure: ejabberd's
 * commands that answer only ok/failed give no reason, so the text says so.
 */
export function rescodeFailure(node: string, value: string | undefined): CommandFailed | undefined {
  if (value === '0') return undefined;
  if (value !== '1') return new CommandFailed(node, 'the command answered an unreadable result code', undefined);
  const command = apiCommandOf(node) ?? '';
  const known = Object.hasOwn(RESCODE_FAILURES, command) ? RESCODE_FAILURES[command] : undefined;
  return new CommandFailed(node, known?.[1] ?? 'the command reported failure (res 1) and gives no reason', known?.[0]);
}

/** What a failure means for the checks whose only answer is ok/failed: the code their HTTP API would want. */
const RESCODE_FAILURES: Readonly<Record<string, [number, string]>> = {
  check_password: [403, 'the password does not match (or there is no such account)'],
  check_password_hash: [403, 'the password hash does not match (or there is no such account)'],
  check_account: [404, 'there is no such account'],
};

/**
 * For a node run without the command's spec (the adhoc escape hatch): a
 * result that is a lone `res` field is a rescode, the only shape mod_adhoc_api
 * gives it.
 */
export function lonelyRescodeFailure(node: string, fields: readonly FormField[]): CommandFailed | undefined {
  const only = fields.length === 1 ? fields[0] : undefined;
  return only?.name === 'res' ? rescodeFailure(node, only.values[0]) : undefined;
}

/** Replaces every secret value in `text` (a server's error text may quote an argument). */
export function mask(text: string, secrets: readonly string[]): string {
  let masked = text;
  for (const secret of secrets) if (secret !== '') masked = masked.split(secret).join('***');
  return masked.slice(0, 300);
}
