// What an admin command is, as data: its name, what it is for, its
// positional arguments with their types, its result's shape and an example.
// One CommandSpec drives the validation of a request's `args`
// (./args.ts readCommandArgs) and the command's entry in the OpenAPI
// document (../../ops/openapi.ts), so a command needs no code of its own
// for either: the built-in commands (./commands.ts) declare theirs, and
// commands a server describes at run time (ejabberd's mod_adhoc_api lists
// each command's name, its argument names in order with their types, and
// its result) are turned into the same specs.
//
// The types follow ejabberd's command API (ejabberd_commands, as
// mod_http_api and mod_adhoc_api present them): scalars (binary/string,
// integer, atom as a string), {list, {Name, Type}} and
// {tuple, [{Name, Type}, ...]}; in JSON a list is an array and a tuple an
// object keyed by its elements' names. Results are `rescode` ("ok" or an
// error), `restuple` ({"ok": text}) or a named value of one of those types.
import type { Json } from '../../contract/json.js';

/** Scalars: ejabberd's binary, string and atom are all strings in JSON. */
export type ScalarType = 'string' | 'binary' | 'atom' | 'integer' | 'boolean';

/** A value's type. `fields` is the bridge's own: XEP-0004 field values, {FIELD: VALUE or [VALUES]} (the adhoc command). */
export type ValueType = ScalarType | { list: NamedType } | { tuple: readonly NamedType[] } | 'fields';

/** A named value: an argument, a list's element, a tuple's member, a result. */
export interface NamedType {
  readonly name: string;
  readonly type: ValueType;
}

/**
 * What a string argument must be beyond a string (default `name`):
 * - `name`: not empty, safe in XML, at most 1023 bytes (user names, hosts, passwords, nodes);
 * - `message`: message text (may be empty, may span lines, at most 64 KiB);
 * - `nonempty-message`: message text that must not be empty.
 * The meaning of `user` and `host` (nodeprep'd, a served host) is applied by the command that reads them.
 */
export type TextRule = 'name' | 'message' | 'nonempty-message';

export interface ArgumentSpec extends NamedType {
  /** Optional arguments come last; a request may leave them out. */
  readonly optional?: boolean;
  /** For `string` arguments; default `name`. */
  readonly rule?: TextRule;
  readonly description?: string;
}

/** What a command answers on success (errors are the contract's, as for every route). */
export type ResultSpec =
  /** "ok" */
  | { readonly kind: 'rescode' }
  /** {"ok": text} */
  | { readonly kind: 'restuple' }
  /** A value of its own type, e.g. {name: 'users', type: {list: {name: 'username', type: 'string'}}}. */
  | { readonly kind: 'value'; readonly value: NamedType };

export interface CommandSpec {
  /** As a request names it: {"command": name, "args": [...]}. */
  readonly name: string;
  /** One line for people. */
  readonly summary: string;
  readonly description?: string;
  /** Positional, in order. */
  readonly args: readonly ArgumentSpec[];
  readonly result: ResultSpec;
  /** Shown in the API document (a key placeholder is added by the document). */
  readonly example?: { readonly args: readonly Json[]; readonly result: Json };
}

/** "register takes args [user, host, password]": how refusals name what a command expects. */
export function signature(spec: Pick<CommandSpec, 'name' | 'args'>): string {
  return `${spec.name} takes args [${spec.args.map((arg) => `${arg.name}${arg.optional ? '?' : ''}`).join(', ')}]`;
}

type Schema = Record<string, unknown>;

/** The JSON Schema of a value of `type`. */
export function valueSchema(type: ValueType): Schema {
  if (type === 'fields') {
    return {
      type: 'object',
      description: 'XEP-0004 fields: {FIELD: VALUE or [VALUES]}',
      additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    };
  }
  if (type === 'binary' || type === 'atom') return { type: 'string' };
  if (typeof type === 'string') return { type };
  if ('list' in type) return { type: 'array', items: { ...valueSchema(type.list.type), title: type.list.name } };
  return {
    type: 'object',
    required: type.tuple.map((member) => member.name),
    properties: Object.fromEntries(type.tuple.map((member) => [member.name, valueSchema(member.type)])),
  };
}

/** The JSON Schema of a request's `args` for this command: its positional items. */
export function argsSchema(spec: CommandSpec): Schema {
  return {
    type: 'array',
    prefixItems: spec.args.map((arg) => ({ ...valueSchema(arg.type), title: arg.name, ...(arg.description ? { description: arg.description } : {}) })),
    minItems: spec.args.filter((arg) => !arg.optional).length,
    maxItems: spec.args.length,
  };
}

/** The JSON Schema of the command's result. */
export function resultSchema(result: ResultSpec): Schema {
  switch (result.kind) {
    case 'rescode':
      return { type: 'string', enum: ['ok'] };
    case 'restuple':
      return { type: 'object', required: ['ok'], properties: { ok: { type: 'string' } } };
    case 'value':
      return { ...valueSchema(result.value.type), title: result.value.name };
  }
}

/**
 * A command as a server describes it in ejabberd's command API terms
 * (`ejabberdctl help`, mod_adhoc_api): argument names in order with their
 * types, the result named and typed (`rescode`, `restuple` or a value), a
 * one-line description. Type names other than the scalars above are read as
 * strings, as ejabberd sends them.
 */
export interface DescribedCommand {
  name: string;
  desc: string;
  args: readonly { name: string; type: DescribedType; desc?: string }[];
  result: { name: string; type: DescribedType };
}

export type DescribedType = string | { list: { name: string; type: DescribedType } } | { tuple: readonly { name: string; type: DescribedType }[] };

/** The CommandSpec of a command a server described: validation and the API document follow from it. */
export function specOfDescribed(command: DescribedCommand): CommandSpec {
  const { result } = command;
  return {
    name: command.name,
    summary: command.desc,
    args: command.args.map((arg) => ({ name: arg.name, type: valueTypeOf(arg.type), ...(arg.desc === undefined ? {} : { description: arg.desc }) })),
    result:
      result.type === 'rescode' || result.type === 'restuple'
        ? { kind: result.type }
        : { kind: 'value', value: { name: result.name, type: valueTypeOf(result.type) } },
  };
}

const SCALARS: ReadonlySet<string> = new Set<ScalarType>(['string', 'binary', 'atom', 'integer', 'boolean']);

function valueTypeOf(type: DescribedType): ValueType {
  if (typeof type === 'string') return SCALARS.has(type) ? (type as ScalarType) : 'string';
  if ('list' in type) return { list: { name: type.list.name, type: valueTypeOf(type.list.type) } };
  return { tuple: type.tuple.map((member) => ({ name: member.name, type: valueTypeOf(member.type) })) };
}
