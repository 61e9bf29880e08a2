// The ejabberd API commands a server offers the bridge over mod_adhoc_api
// (25.03+), learned from the server itself: disco#items lists the nodes
// `api-commands/<name>` that api_permissions grants the bridge's account,
// and each command's empty form gives its argument names in order. The
// catalogue (./catalogue.ts) adds types and the result's shape. Learned again
// on every (re)connect, since the server may have changed meanwhile.
import { executeCommand, requireCompleted, type CommandResult, type FieldValues, type FormField } from '../../../xmpp/adhoc.js';
import type { IqRequester } from '../../../xmpp/in-band-registration.js';
import { apiCommandNode, apiCommandOf, lonelyRescodeFailure, resultFields } from './answer.js';
import { knownSpec } from './catalogue.js';
import type { ApiType, CommandSpec } from './spec.js';
import { ArgumentProblem, decodeResult, encodeArgument, type Json } from './values.js';

export interface ApiArgument {
  name: string;
  /** From the catalogue; undefined for a command it does not know (taken as text, a list where the form says so). */
  type: ApiType | undefined;
  /** Whether the form field takes several values. */
  multi: boolean;
  desc: string | undefined;
}

export interface ApiCommand {
  name: string;
  node: string;
  /** In the command's own order (the form's). */
  args: ApiArgument[];
  /** The catalogue's spec, when it knows the command. */
  spec: CommandSpec | undefined;
  desc: string;
}

/** A field mod_adhoc_api adds in a cluster to choose the node: not an argument. */
const TARGET_NODE_FIELD = 'mod_adhoc_api_target_node';

/** How many forms are asked for at once while learning the commands. */
const FORMS_AT_ONCE = 16;

/** The commands among `offered` nodes that `wanted` admits, each with its form read. */
export async function learnCommands(
  session: IqRequester,
  host: string,
  offered: Iterable<string>,
  wanted: (command: string) => boolean,
): Promise<Map<string, ApiCommand>> {
  const names = [...offered].map(apiCommandOf).filter((name): name is string => name !== undefined && wanted(name));
  const learned = new Map<string, ApiCommand>();
  for (let i = 0; i < names.length; i += FORMS_AT_ONCE) {
    const batch = await Promise.all(
      names.slice(i, i + FORMS_AT_ONCE).map(async (name) => commandFromForm(name, await executeCommand(session, host, apiCommandNode(name), undefined))),
    );
    for (const command of batch) learned.set(command.name, command);
  }
  return learned;
}

/** A command as its empty form describes it. */
export function commandFromForm(name: string, form: CommandResult): ApiCommand {
  const spec = knownSpec(name);
  const args = argumentFields(form.form).map((field) => {
    const known = spec?.args.find((a) => a.name === field.name);
    return {
      name: field.name,
      type: known?.type ?? (field.type === 'text-multi' || field.type === 'jid-multi' ? { list: { name: field.name, type: 'binary' } } : undefined),
      multi: field.type?.endsWith('-multi') ?? false,
      desc: known?.desc,
    };
  });
  return { name, node: apiCommandNode(name), args, spec, desc: spec?.desc ?? name };
}

/**
 * The argument fields, each name once: for commands with `policy => user`
 * mod_adhoc_api adds `user` and `host` fields before the command's own,
 * which may name them again (get_roster); one value serves both.
 */
function argumentFields(form: readonly FormField[]): FormField[] {
  const fields = new Map<string, FormField>();
  let inArguments = false;
  for (const field of form) {
    if (field.name === '') {
      inArguments = field.label === 'Arguments';
      continue;
    }
    if (inArguments && field.name !== TARGET_NODE_FIELD && !fields.has(field.name)) fields.set(field.name, field);
  }
  return [...fields.values()];
}

/**
 * The form values for `given` (a list in the command's order, or an object
 * by name; nothing for a command without arguments). Wrong arity, unknown
 * names and wrong types throw ArgumentProblem naming the argument.
 */
export function submission(command: ApiCommand, given: unknown): FieldValues {
  const names = command.args.map((a) => a.name);
  const expected = `${command.name} takes args [${names.join(', ')}] (or an object of them by name)`;
  let values: unknown[];
  if (given === undefined || given === null) {
    values = [];
  } else if (Array.isArray(given)) {
    values = given;
  } else if (typeof given === 'object') {
    const byName = given as Record<string, unknown>;
    const unknown = Object.keys(byName).filter((k) => !names.includes(k));
    if (unknown.length > 0) throw new ArgumentProblem(`unknown argument ${unknown.join(', ')}; ${expected}`);
    const missing = names.filter((n) => !Object.hasOwn(byName, n));
    if (missing.length > 0) throw new ArgumentProblem(`missing argument ${missing.join(', ')}; ${expected}`);
    values = names.map((n) => byName[n]);
  } else {
    throw new ArgumentProblem(`args must be a list or an object; ${expected}`);
  }
  if (values.length !== names.length) throw new ArgumentProblem(`${expected}; got ${values.length}`);
  const fields: Record<string, string[]> = {};
  command.args.forEach((arg, i) => {
    try {
      fields[arg.name] = encodeArgument(arg.type, values[i]);
    } catch (error) {
      if (error instanceof ArgumentProblem) throw new ArgumentProblem(`args[${i}] (${arg.name}) ${error.problem}; ${expected}`);
      throw error;
    }
  });
  return fields;
}

/** Submitted values that are secrets by their argument's name: masked in any error text, never answered. */
export function secretsOf(values: FieldValues): string[] {
  return Object.entries(values)
    .filter(([name]) => /pass|secret|hash|token|key/i.test(name))
    .flatMap(([, v]) => (typeof v === 'string' ? [v] : [...v]));
}

/** Runs `command` with `values` at `host` and answers its typed result; a reported failure throws CommandFailed. */
export async function runApiCommand(session: IqRequester, host: string, command: ApiCommand, values: FieldValues): Promise<Json> {
  const answer = requireCompleted(await executeCommand(session, host, command.node, values), command.node);
  const fields = resultFields(command.node, answer, secretsOf(values));
  if (command.spec === undefined) {
    const rescode = lonelyRescodeFailure(command.node, fields);
    if (rescode) throw rescode;
  }
  return decodeResult(command.node, command.spec?.result, fields);
}
