// Positional arguments of admin commands, as in ejabberd's command API,
// validated against the command's spec (./command-spec.ts): wrong counts
// and types are refused with a detail naming what the command expects, and
// so is text that cannot safely travel in XML; no message ever repeats an
// argument's value. The built-in commands' arguments go by short names,
// each with one meaning (a user name, a host, message text, ...).
import type { Account } from '../../contract/account.js';
import { Refusal } from '../../contract/refusal.js';
import { unsafeTextReason } from '../../contract/stringprep.js';
import { servedHost, toAccount } from '../../contract/account.js';
import { assertSendable } from '../fields.js';
import { signature, type ArgumentSpec, type CommandSpec, type ValueType } from './command-spec.js';

export type ArgName = 'user' | 'host' | 'password' | 'newpass' | 'subject' | 'body' | 'node' | 'fields';

/** A built-in argument by its short name; a trailing '?' marks an optional one (only at the end). */
export type ArgSpec = ArgName | `${ArgName}?`;

/** What each short name means, as an argument spec. */
const MEANINGS: Readonly<Record<ArgName, Pick<ArgumentSpec, 'type' | 'rule'>>> = {
  user: { type: 'string' },
  host: { type: 'string' },
  password: { type: 'string' },
  newpass: { type: 'string' },
  node: { type: 'string' },
  subject: { type: 'string', rule: 'message' },
  body: { type: 'string', rule: 'nonempty-message' },
  fields: { type: 'fields' },
};

/** The argument specs of short names such as ['node', 'fields', 'host?']. */
export function argumentsOf(names: readonly ArgSpec[]): ArgumentSpec[] {
  return names.map((spec) => {
    const name = spec.replace(/\?$/, '') as ArgName;
    return { name, ...MEANINGS[name], ...(spec.endsWith('?') ? { optional: true } : {}) };
  });
}

/** Longest message text (subject, body, form values), in UTF-8 bytes; under ejabberd's max_stanza_size. */
export const MAX_TEXT_BYTES = 64 * 1024;

export class Args {
  readonly #values: ReadonlyMap<string, unknown>;

  constructor(values: ReadonlyMap<string, unknown>) {
    this.#values = values;
  }

  /** A validated argument as given (for commands that pass their arguments on as they are). */
  value(name: string): unknown {
    return this.#values.get(name);
  }

  text(name: string): string {
    const value = this.#values.get(name);
    if (typeof value !== 'string') throw new Error(`argument ${name} was not validated as text`);
    return value;
  }

  optionalText(name: string): string | undefined {
    return this.#values.has(name) ? this.text(name) : undefined;
  }

  fields(): Record<string, string | string[]> {
    const value = this.#values.get('fields');
    if (value === undefined || typeof value === 'string') throw new Error('argument fields was not validated');
    return value as Record<string, string | string[]>;
  }

  /** user + host, nodeprep'd and nameprep'd, the host one this bridge serves. */
  account(hosts: readonly string[]): Account {
    return toAccount(this.text('user'), this.text('host'), hosts);
  }

  /** host, nameprep'd and served by this bridge. */
  host(hosts: readonly string[]): string {
    return servedHost(this.text('host'), hosts);
  }
}

/** Validates `given` (the request's `args`) against built-in arguments named in short. */
export function readArgs(command: string, specs: readonly ArgSpec[], given: unknown): Args {
  return readCommandArgs({ name: command, args: argumentsOf(specs) }, given);
}

/** Validates `given` (the request's `args`) against the command's spec. */
export function readCommandArgs(spec: Pick<CommandSpec, 'name' | 'args'>, given: unknown): Args {
  const required = spec.args.filter((arg) => !arg.optional).length;
  const expected = signature(spec);
  const list = given === undefined || given === null ? [] : given;
  if (!Array.isArray(list)) throw new Refusal('bad_request', `args must be a list; ${expected}`);
  if (list.length < required || list.length > spec.args.length) {
    throw new Refusal('bad_request', `${expected}; got ${list.length}`);
  }
  const values = new Map<string, unknown>();
  list.forEach((value: unknown, index) => {
    const arg = spec.args[index] as ArgumentSpec;
    const where = `args[${index}] (${arg.name})`;
    const refuse = (problem: string) => new Refusal('bad_request', `${where} ${problem}; ${expected}`);
    values.set(arg.name, check(arg, arg.type, value, where, refuse));
  });
  return new Args(values);
}

function check(arg: ArgumentSpec, type: ValueType, value: unknown, where: string, refuse: (problem: string) => Refusal): unknown {
  if (type === 'fields') return checkFields(value, refuse);
  if (type === 'integer') return Number.isSafeInteger(value) ? value : fail(refuse('must be an integer'));
  if (type === 'boolean') return typeof value === 'boolean' ? value : fail(refuse('must be true or false'));
  if (typeof type === 'object' && 'list' in type) {
    if (!Array.isArray(value)) return fail(refuse('must be a list'));
    return value.map((item: unknown, i) => check(arg, type.list.type, item, `${where}[${i}]`, refuse));
  }
  if (typeof type === 'object') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail(refuse(`must be an object of ${type.tuple.map((member) => member.name).join(', ')}`));
    }
    const given = value as Record<string, unknown>;
    return Object.fromEntries(type.tuple.map((member) => [member.name, check(arg, member.type, given[member.name], `${where}.${member.name}`, refuse)]));
  }
  // string, binary, atom: text.
  if (typeof value !== 'string') return fail(refuse('must be a string'));
  switch (arg.rule ?? 'name') {
    case 'message':
      checkText(value, refuse);
      return value;
    case 'nonempty-message':
      if (value === '') return fail(refuse('must not be empty'));
      checkText(value, refuse);
      return value;
    case 'name':
      if (value === '') return fail(refuse('must not be empty'));
      assertSendable(where, value);
      return value;
  }
}

/** XEP-0004 field values: a string or a list of strings, by field name. */
function checkFields(value: unknown, refuse: (problem: string) => Refusal): Record<string, string | string[]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(refuse('must be an object of field names to a value or a list of values'));
  }
  const fields: Record<string, string | string[]> = {};
  let bytes = 0;
  for (const [field, raw] of Object.entries(value as Record<string, unknown>)) {
    if (field === '' || unsafeTextReason(field) !== undefined) return fail(refuse('has a field name that cannot be sent'));
    if (typeof raw === 'string') {
      checkText(raw, refuse);
      fields[field] = raw;
    } else if (Array.isArray(raw) && raw.every((v): v is string => typeof v === 'string')) {
      raw.forEach((v) => checkText(v, refuse));
      fields[field] = raw;
    } else {
      return fail(refuse('must map each field to a string or a list of strings'));
    }
    bytes += Buffer.byteLength(field, 'utf8') + [fields[field]].flat().reduce((n, v) => n + Buffer.byteLength(v, 'utf8'), 0);
    if (bytes > MAX_TEXT_BYTES) return fail(refuse(`is longer than ${MAX_TEXT_BYTES} bytes in all`));
  }
  return fields;
}

/** Message text may span lines; anything else XML or ejabberd would choke on is refused. */
function checkText(text: string, refuse: (problem: string) => Refusal): void {
  const unsafe = unsafeTextReason(text.replace(/[\t\n\r]/g, ' '));
  if (unsafe !== undefined) throw refuse(unsafe);
  if (Buffer.byteLength(text, 'utf8') > MAX_TEXT_BYTES) throw refuse(`is longer than ${MAX_TEXT_BYTES} bytes`);
}

function fail(refusal: Refusal): never {
  throw refusal;
}
