// JSON arguments in, form values out; form values in, JSON results out:
// the typed conversions for ejabberd's API commands over mod_adhoc_api.
// Arguments: a list is one form value per element; a tuple is written
// `a:b:c` (mod_adhoc_api splits it at ':' and drops empty parts, so an
// element may hold neither); integers may come as JSON numbers.
// Results: integers become numbers, lists arrays, tuples objects with their
// element names (mod_adhoc_api writes them `a : b : c`), a rescode "0" the
// string "ok" (a "1" is a failure), a result tuple {"ok": text}.
import type { FormField } from '../../../xmpp/adhoc.js';
import { UnexpectedAnswer } from '../../../contract/xmpp-failures.js';
import { rescodeFailure } from './answer.js';
import type { ApiType, Named } from './spec.js';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A JSON argument that does not fit its type; `problem` never repeats the value. */
export class ArgumentProblem extends Error {
  constructor(readonly problem: string) {
    super(problem);
    this.name = 'ArgumentProblem';
  }
}

const INTEGER = /^-?\d+$/;

/** The form values for one argument of type `type` (undefined: not in the catalogue, taken as text). */
export function encodeArgument(type: ApiType | undefined, value: unknown): string[] {
  if (type === undefined) {
    if (Array.isArray(value)) return value.map((v) => scalarText(v, 'a string'));
    return [scalarText(value, 'a string')];
  }
  if (typeof type === 'string') return [encodeScalar(type, value)];
  if ('list' in type) {
    if (!Array.isArray(value)) throw new ArgumentProblem(`must be a list (JSON array) of ${describe(type.list.type)}`);
    const element = type.list.type;
    if (typeof element !== 'string' && 'list' in element) throw new ArgumentProblem('is a list of lists, which mod_adhoc_api cannot carry');
    return value.map((v, i) => {
      try {
        return typeof element === 'string' ? encodeScalar(element, v) : encodeTuple(element.tuple, v);
      } catch (error) {
        if (error instanceof ArgumentProblem) throw new ArgumentProblem(`element ${i} ${error.problem}`);
        throw error;
      }
    });
  }
  return [encodeTuple(type.tuple, value)];
}

function encodeScalar(type: string, value: unknown): string {
  if (type === 'integer') {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (typeof value === 'string' && INTEGER.test(value)) return value;
    throw new ArgumentProblem('must be an integer');
  }
  return scalarText(value, 'a string');
}

function scalarText(value: unknown, expected: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new ArgumentProblem(`must be ${expected}`);
}

/** A tuple from an object with the element names or an array in element order, as `a:b:c`. */
function encodeTuple(elements: readonly Named[], value: unknown): string {
  const names = elements.map((e) => e.name);
  let parts: unknown[];
  if (Array.isArray(value)) {
    parts = value;
  } else if (typeof value === 'object' && value !== null) {
    const given = value as Record<string, unknown>;
    const unknown = Object.keys(given).filter((k) => !names.includes(k));
    if (unknown.length > 0) throw new ArgumentProblem(`has unknown element ${unknown.join(', ')}; expected {${names.join(', ')}}`);
    parts = names.map((n) => given[n]);
  } else {
    throw new ArgumentProblem(`must be an object {${names.join(', ')}} or a list in that order`);
  }
  if (parts.length !== elements.length || parts.some((p) => p === undefined)) {
    throw new ArgumentProblem(`must have exactly the elements {${names.join(', ')}}`);
  }
  return parts
    .map((part, i) => {
      const element = elements[i] as Named;
      if (typeof element.type !== 'string') throw new ArgumentProblem(`element ${element.name} is nested, which mod_adhoc_api cannot carry`);
      const text = encodeScalar(element.type, part);
      if (text === '' || text.includes(':')) {
        throw new ArgumentProblem(`element ${element.name} must be non-empty and without ':' (mod_adhoc_api splits tuples at ':')`);
      }
      return text;
    })
    .join(':');
}

/**
 * The type a result is answered in: a list inside a tuple arrives joined
 * without a separator (get_roster's groups), so it is answered as that text.
 */
export function answeredType(type: ApiType, inTuple = false): ApiType {
  if (typeof type === 'string') return type;
  if ('list' in type) return inTuple ? 'string' : { list: { name: type.list.name, type: answeredType(type.list.type) } };
  return { tuple: type.tuple.map((e) => ({ name: e.name, type: answeredType(e.type, true) })) };
}

/** How a type reads in an error detail or a listing. */
export function describe(type: ApiType | undefined): string {
  if (type === undefined) return 'a string';
  if (typeof type === 'string') return type === 'integer' ? 'an integer' : 'a string';
  if ('list' in type) return `a list of ${describe(type.list.type)}`;
  return `an object {${type.tuple.map((e) => e.name).join(', ')}}`;
}

/**
 * The JSON result of a completed command from its result fields. With the
 * catalogue's result spec, typed; without, strings (several fields as an
 * object by name, tuples as arrays in element order).
 */
export function decodeResult(node: string, result: Named | undefined, fields: readonly FormField[]): Json {
  if (result === undefined) return untyped(fields);
  const field = fields.find((f) => f.name === result.name) ?? (fields.length === 1 ? fields[0] : undefined);
  if (field === undefined) throw new UnexpectedAnswer(`the XMPP server answered ${node} without its result ${result.name}`);
  return decodeValues(node, result.type, field.values);
}

function decodeValues(node: string, type: ApiType, values: readonly string[]): Json {
  if (type === 'rescode') {
    const failure = rescodeFailure(node, values[0]);
    if (failure) throw failure;
    return 'ok';
  }
  // mod_adhoc_api writes a text over several values, one per line.
  if (type === 'restuple') return { ok: values.join('\n') };
  if (typeof type === 'string') return decodeScalar(node, type, values.join('\n'));
  if ('list' in type) {
    const items = values.length === 1 && values[0] === '' ? [] : values;
    return items.map((v) => decodeValues(node, type.list.type, [v]));
  }
  return decodeTuple(node, type.tuple, values.join('\n'));
}

function decodeScalar(node: string, type: string, text: string): Json {
  if (type !== 'integer') return text;
  if (!INTEGER.test(text)) throw new UnexpectedAnswer(`the XMPP server answered ${node} with a non-integer where an integer was due`);
  return Number(text);
}

/**
 * A tuple `a : b : c` as an object by element name. A nested list arrives
 * joined without a separator (mod_adhoc_api), so it is given as that text.
 * An element that itself holds " : " makes the split ambiguous: that is an
 * error, never a guess.
 */
function decodeTuple(node: string, elements: readonly Named[], text: string): Json {
  const parts = splitTuple(text, elements.length);
  if (parts === undefined) {
    throw new UnexpectedAnswer(`the XMPP server answered ${node} with a tuple the bridge cannot split unambiguously into {${elements.map((e) => e.name).join(', ')}}`);
  }
  const out: Record<string, Json> = {};
  elements.forEach((element, i) => {
    const part = parts[i] as string;
    out[element.name] = typeof element.type === 'string' ? decodeScalar(node, element.type, part) : part;
  });
  return out;
}

function splitTuple(text: string, arity: number): string[] | undefined {
  for (const separator of [' : ', ':']) {
    const parts = text.split(separator);
    if (parts.length === arity) return parts;
  }
  return undefined;
}

function untyped(fields: readonly FormField[]): Json {
  const read = (f: FormField): Json =>
    f.type === 'text-multi' ? (f.values.length === 1 && f.values[0] === '' ? [] : f.values.map(tupleOrText)) : f.values.join('\n');
  if (fields.length === 1) return read(fields[0] as FormField);
  return Object.fromEntries(fields.map((f) => [f.name, read(f)]));
}

/** Without a spec, a tuple is an array of its elements in order. */
function tupleOrText(value: string): Json {
  return value.includes(' : ') ? value.split(' : ') : value;
}
