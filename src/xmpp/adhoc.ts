// XEP-0050 Ad-Hoc Commands with XEP-0004 data forms. Commands are executed
// in one round trip (the filled form travels inside action='execute'), which
// ejabberd accepts and which is ~1.3x the rate of the two-step exchange.
import { xml } from '@xmpp/client-core';
import { CommandNoteFailure, CommandNotCompleted, StanzaFailure } from '../contract/xmpp-failures.js';
import type { IqRequester } from './in-band-registration.js';

const NS_COMMANDS = 'http://jabber.org/protocol/commands';
const NS_DATA = 'jabber:x:data';
const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';

export type FieldValues = Record<string, string | readonly string[]>;

/** One field of an answer form, in document order. */
export interface FormField {
  /** The field's var; '' for a field without one (a `fixed` heading). */
  name: string;
  /** The field's label, where the server gave one (mod_adhoc_api's headings and error codes live there). */
  label?: string;
  /** XEP-0004 field type (e.g. 'text-single', 'jid-multi'); undefined when the server gave none. */
  type: string | undefined;
  values: string[];
}

export interface CommandResult {
  status: string;
  /** Every field of the answer form, by var, with all its values. */
  fields: Map<string, string[]>;
  /** The same fields with their types, in the order the server sent them, and the headings (fields without a var). */
  form: FormField[];
  notes: { type: string; text: string }[];
  /** The command session (XEP-0050 sessionid), for the next step of a multi-step command. */
  sessionId: string | undefined;
}

/** The first <note type='error'/> of an answer; with `warnFails`, a warn note counts too. */
export function failureNote(result: CommandResult, warnFails = false): string | undefined {
  return result.notes.find((note) => note.type === 'error' || (warnFails && note.type === 'warn'))?.text;
}

/** `result`, if it is a completed command without an error note; else throws what went wrong. */
export function requireCompleted(result: CommandResult, node: string, { warnFails = false } = {}): CommandResult {
  const failure = failureNote(result, warnFails);
  if (failure !== undefined) throw new CommandNoteFailure(node, failure);
  if (result.status !== 'completed') throw new CommandNotCompleted(node, result.status);
  return result;
}

/**
 * Executes `node` at `to`. With `values`, the filled form travels in the
 * execute request; without, nothing is submitted: nodes that answer at once
 * (ejabberd's user lists and counters) refuse a submitted form with
 * <service-unavailable/>, and other nodes answer with the form to fill.
 */
export async function executeCommand(
  session: IqRequester,
  to: string,
  node: string,
  values: FieldValues | undefined,
): Promise<CommandResult> {
  return sendCommand(session, to, node, 'execute', undefined, values);
}

/**
 * The classic two-step exchange: execute without a form, then submit the
 * filled form with action='complete' in the command session the server
 * opened. For nodes that ignore a form sent with the first execute
 * (Prosody's announce answers its form and sends nothing). Answers the
 * first step's result when the server completed the command at once.
 */
export async function executeInTwoSteps(
  session: IqRequester,
  to: string,
  node: string,
  values: FieldValues,
): Promise<CommandResult> {
  const first = await sendCommand(session, to, node, 'execute', undefined, undefined);
  if (first.status !== 'executing' || failureNote(first) !== undefined) return first;
  if (first.sessionId === undefined) throw new CommandNotCompleted(node, 'executing without a sessionid');
  return sendCommand(session, to, node, 'complete', first.sessionId, values);
}

async function sendCommand(
  session: IqRequester,
  to: string,
  node: string,
  action: string,
  sessionId: string | undefined,
  values: FieldValues | undefined,
): Promise<CommandResult> {
  const form =
    values &&
    xml(
      'x',
      { xmlns: NS_DATA, type: 'submit' },
      ...Object.entries(values).map(([name, value]) =>
        xml(
          'field',
          { var: name },
          ...(typeof value === 'string' ? [value] : value).map((v) => xml('value', {}, v)),
        ),
      ),
    );
  const reply = await session.request(
    xml(
      'iq',
      // The answer's free text (e.g. "Never") follows xml:lang: pin it.
      { type: 'set', to, 'xml:lang': 'en' },
      xml(
        'command',
        { xmlns: NS_COMMANDS, node, action, ...(sessionId === undefined ? {} : { sessionid: sessionId }) },
        ...(form ? [form] : []),
      ),
    ),
  );
  const command = reply.getChild('command', NS_COMMANDS);
  const fields = new Map<string, string[]>();
  const formFields: FormField[] = [];
  for (const field of command?.getChild('x', NS_DATA)?.getChildren('field') ?? []) {
    const name = field.attrs.var as string | undefined;
    const values = field.getChildren('value').map((v) => v.text());
    const label = field.attrs.label as string | undefined;
    const type = field.attrs.type as string | undefined;
    if (name !== undefined) fields.set(name, values);
    formFields.push({ name: name ?? '', type, values, ...(label === undefined ? {} : { label }) });
  }
  return {
    status: (command?.attrs.status as string | undefined) ?? 'unknown',
    fields,
    form: formFields,
    notes: (command?.getChildren('note') ?? []).map((note) => ({
      type: (note.attrs.type as string | undefined) ?? 'info',
      text: note.text(),
    })),
    sessionId: command?.attrs.sessionid as string | undefined,
  };
}

/** The command nodes `to` offers to this session (disco#items on the commands node). */
export async function listCommands(session: IqRequester, to: string): Promise<string[]> {
  const reply = await session.request(
    xml('iq', { type: 'get', to }, xml('query', { xmlns: NS_DISCO_ITEMS, node: NS_COMMANDS })),
  );
  return (reply.getChild('query', NS_DISCO_ITEMS)?.getChildren('item') ?? [])
    .map((item) => item.attrs.node as string | undefined)
    .filter((node): node is string => node !== undefined);
}

/** Answers to a listing that mean "no commands here" (no mod_adhoc, not for you); other errors may pass. */
const NOTHING_OFFERED: ReadonlySet<string> = new Set([
  'service-unavailable',
  'feature-not-implemented',
  'item-not-found',
  'forbidden',
  'not-allowed',
  'registration-required',
  'subscription-required',
]);

/**
 * The command nodes each host offers this session. A host that answers the
 * listing with an error that means "none here" offers nothing; a transient
 * error (internal-server-error, resource-constraint, ...), losing the session
 * or a timeout rejects, so the listing is tried again rather than remembered.
 */
export async function listCommandsByHost(
  session: IqRequester,
  hosts: readonly string[],
): Promise<Map<string, Set<string>>> {
  const listed = await Promise.all(
    hosts.map(async (host) => {
      try {
        return [host, new Set(await listCommands(session, host))] as const;
      } catch (error) {
        if (error instanceof StanzaFailure && NOTHING_OFFERED.has(error.condition)) return [host, new Set<string>()] as const;
        throw error;
      }
    }),
  );
  return new Map(listed);
}
