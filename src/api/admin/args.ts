// Positional arguments of admin commands, as in ejabberd's command API: each
// command names its arguments, and each name has one meaning (a user name, a
// host, message text, ...). Validation refuses wrong counts and types with a
// detail naming what the command expects, and text that cannot safely travel
// in XML; no message ever repeats an argument's value.
import type { Account } from '../../contract/account.js';
import { Refusal } from '../../contract/refusal.js';
import { unsafeTextReason } from '../../xmpp/stringprep.js';
import { assertSendable, servedHost, toAccount } from '../fields.js';

export type ArgName = 'user' | 'host' | 'password' | 'newpass' | 'subject' | 'body' | 'node' | 'fields';

/** An argument; a trailing '?' marks an optional one (only at the end). */
export type ArgSpec = ArgName | `${ArgName}?`;

/** Longest message text (subject, body, form values), in UTF-8 bytes; under ejabberd's max_stanza_size. */
export const MAX_TEXT_BYTES = 64 * 1024;

type Value = string | Record<string, string | string[]>;

export class Args {
  readonly #values: ReadonlyMap<ArgName, Value>;

  constructor(values: ReadonlyMap<ArgName, Value>) {
    this.#values = values;
  }

  text(name: Exclude<ArgName, 'fields'>): string {
    const value = this.#values.get(name);
    if (typeof value !== 'string') throw new Error(`argument ${name} was not validated as text`);
    return value;
  }

  optionalText(name: Exclude<ArgName, 'fields'>): string | undefined {
    return this.#values.has(name) ? this.text(name) : undefined;
  }

  fields(): Record<string, string | string[]> {
    const value = this.#values.get('fields');
    if (value === undefined || typeof value === 'string') throw new Error('argument fields was not validated');
    return value;
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

/** Validates `given` (the request's `args`) against `specs`. */
export function readArgs(command: string, specs: readonly ArgSpec[], given: unknown): Args {
  const names = specs.map((spec) => spec.replace(/\?$/, '') as ArgName);
  const required = specs.filter((spec) => !spec.endsWith('?')).length;
  const expected = `${command} takes args [${specs.join(', ')}]`;
  const list = given === undefined || given === null ? [] : given;
  if (!Array.isArray(list)) throw new Refusal('bad_request', `args must be a list; ${expected}`);
  if (list.length < required || list.length > specs.length) {
    throw new Refusal('bad_request', `${expected}; got ${list.length}`);
  }
  const values = new Map<ArgName, Value>();
  list.forEach((value: unknown, index) => {
    const name = names[index] as ArgName;
    const where = `args[${index}] (${name})`;
    const refuse = (problem: string) => new Refusal('bad_request', `${where} ${problem}; ${expected}`);
    values.set(name, check(name, value, where, refuse));
  });
  return new Args(values);
}

function check(name: ArgName, value: unknown, where: string, refuse: (problem: string) => Refusal): Value {
  if (name === 'fields') return checkFields(value, refuse);
  if (typeof value !== 'string') return fail(refuse('must be a string'));
  switch (name) {
    case 'subject':
      checkText(value, refuse);
      return value;
    case 'body':
      if (value === '') return fail(refuse('must not be empty'));
      checkText(value, refuse);
      return value;
    default:
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
