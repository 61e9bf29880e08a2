// Routes as data (after Fastify's route `schema`): each route declares its
// fields as io-ts codecs, its statuses, summary, description and examples,
// next to its handler. Request validation (decodeFields, here) and the
// OpenAPI document (../ops/openapi.ts) are both derived from that one
// declaration, so a field or a route is added in one place.
import * as t from 'io-ts';
import type { Json } from '../contract/json.js';
import { Refusal } from '../contract/refusal.js';
import { unsafeTextReason } from '../xmpp/stringprep.js';

/** Longest text field accepted, in UTF-8 bytes (the XMPP limit for JID parts). */
export const MAX_FIELD_BYTES = 1023;

/** Stands for the mount's key in request examples; never a key itself. */
export const KEY_PLACEHOLDER = '<key>';

/** The host the examples name; the README, the demo and ejabberd's default config serve it. */
export const EXAMPLE_HOST = 'localhost';

interface SendableBrand {
  readonly Sendable: unique symbol;
}

/**
 * Text that can travel safely in XML and fits in a JID part: what every
 * field of the register routes must be. Its failure message is what is
 * wrong, after the field's name ("password is longer than 1023 bytes").
 */
export const SendableText = new t.Type<string & t.Brand<SendableBrand>, string, unknown>(
  'SendableText',
  (u): u is string & t.Brand<SendableBrand> => typeof u === 'string' && sendableProblem(u) === undefined,
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c, 'must be a string');
    const problem = sendableProblem(u);
    return problem === undefined ? t.success(u as string & t.Brand<SendableBrand>) : t.failure(u, c, problem);
  },
  (a) => a,
);

function sendableProblem(value: string): string | undefined {
  return unsafeTextReason(value) ?? (Buffer.byteLength(value, 'utf8') > MAX_FIELD_BYTES ? `is longer than ${MAX_FIELD_BYTES} bytes` : undefined);
}

/** One field of a request: how its value is decoded, and how the API document describes it. */
export interface FieldSpec {
  codec: t.Decoder<unknown, string>;
  description: string;
  /** A password or key: write-only, shown masked. */
  secret?: boolean;
}

export const textField = (description: string): FieldSpec => ({ codec: SendableText, description });
export const secretField = (description: string): FieldSpec => ({ codec: SendableText, description, secret: true });

/** An example request and the answers the document shows for a route. */
export interface RouteExamples {
  /** The request body (POST) or the query fields but the key (GET). */
  request: Record<string, string>;
  answers: Record<string, { summary: string; value: Json }>;
}

/** A route's declaration, without its handler: everything validation and the document read. */
export interface RouteSpec<R extends string = string, O extends string = string> {
  method: 'GET' | 'POST';
  summary: string;
  description: string;
  /** Required fields, in the order they are checked; `key` (the mount's key) is checked first and apart. */
  fields: Readonly<Record<R, FieldSpec>>;
  optional?: Readonly<Record<O, FieldSpec>>;
  /** The route's own error statuses, besides those of reading the request and of talking to the XMPP server. */
  statuses: readonly number[];
  ok: { description: string; schema: Record<string, unknown> };
  examples: RouteExamples;
}

/** The required fields' values (but the key), decoded. */
export type FieldValues<S extends RouteSpec> = S extends RouteSpec<infer R> ? Record<Exclude<R, 'key'>, string> : never;

/**
 * Decodes the required fields but `key`, in order: a field of the wrong
 * type is a bad_request; a missing or empty one missing_parameters; then
 * each field's codec (bad_request, naming the field and what is wrong).
 * No message ever repeats a value.
 */
export function decodeFields<S extends RouteSpec>(spec: S, fields: Record<string, unknown>): FieldValues<S> {
  const names = Object.keys(spec.fields).filter((name) => name !== 'key');
  const given = (name: string) => fields[name] !== undefined && fields[name] !== null;
  const wrongType = names.filter((name) => given(name) && !t.string.is(fields[name]));
  if (wrongType.length > 0) {
    throw new Refusal('bad_request', `${wrongType.join(', ')} must be ${wrongType.length > 1 ? 'strings' : 'a string'}`);
  }
  const missing = names.filter((name) => !t.string.is(fields[name]) || fields[name] === '');
  if (missing.length > 0) throw new Refusal('missing_parameters', `missing or empty: ${missing.join(', ')}`);
  const values: Record<string, string> = {};
  for (const name of names) {
    const field = (spec.fields as Record<string, FieldSpec>)[name] as FieldSpec;
    const decoded = field.codec.decode(fields[name]);
    if (decoded._tag === 'Left') throw new Refusal('bad_request', `${name} ${decoded.left[0]?.message ?? 'is not valid'}`);
    values[name] = decoded.right;
  }
  return values as FieldValues<S>;
}

/** The JSON Schema of a field, as the API document shows it. */
export function fieldSchema(field: FieldSpec, required: boolean): Record<string, unknown> {
  const schema: Record<string, unknown> = { type: 'string', description: field.description };
  if (required) schema.minLength = 1;
  if (field.secret) Object.assign(schema, { format: 'password', writeOnly: true });
  return schema;
}
