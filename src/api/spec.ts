// Routes as data (after Fastify's route `schema`): each route declares its
// fields as io-ts codecs, its statuses, summary, description and examples,
// next to its handler. Request validation (decodeFields, here) and the
// OpenAPI document (../ops/openapi.ts) are both derived from that one
// declaration, so a field or a route is added in one place.
import * as t from 'io-ts';
import type { Json } from '../contract/json.js';
import { Refusal } from '../contract/refusal.js';
import { unsafeTextReason } from '../contract/stringprep.js';

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

/** A JSON Schema, as the API document shows it. */
export type Schema = Record<string, unknown>;

/** What the API document shows of a field: its own JSON Schema and what it is for. */
export interface FieldDoc {
  /** The field's JSON Schema but its description (fieldSchema adds that, and minLength and masking for text). */
  schema: Schema;
  description: string;
  /** A password or key: write-only, shown masked. */
  secret?: boolean;
}

/** One field a route decodes: how its value is decoded, and how the API document describes it. */
export interface FieldSpec<A = unknown> extends FieldDoc {
  codec: t.Decoder<unknown, A>;
  /**
   * A text field (the register routes'): the route's text fields are checked
   * together for their type (bad_request) and then for presence
   * (missing_parameters) before any codec runs. Any other field's codec
   * alone decides, absent or of whatever type (e.g. the admin command).
   */
  text?: boolean;
}

const TEXT: Schema = { type: 'string' };

export const textField = (description: string): FieldSpec<string> => ({ codec: SendableText, schema: TEXT, description, text: true });
export const secretField = (description: string): FieldSpec<string> => ({ ...textField(description), secret: true });

/** The mount's key, wherever a route takes it in its fields (checked first and apart: ./key.ts). */
export const KEY_FIELD = secretField(`The mount's key (on the API page, Authorize fills in the \`${KEY_PLACEHOLDER}\` placeholder)`);

/** An example request and the answers the document shows for a route. */
export interface RouteExamples {
  /** The request body (POST) or the query fields but the key (GET). */
  request: Record<string, Json>;
  answers: Record<string, { summary: string; value: Json }>;
}

/** The fields a route decodes, by name. */
export type Fields = Readonly<Record<string, FieldSpec>>;

/** A route's declaration, without its handler: everything validation and the document read. */
export interface RouteSpec<F extends Fields = Fields> {
  method: 'GET' | 'POST';
  summary: string;
  description: string;
  /** Required fields, decoded in the order they are declared; `key` (the mount's key) is checked first and apart. */
  fields: F;
  /** Optional fields: documented here, read by what uses them (a registration hook, a command's own argument spec). */
  optional?: Readonly<Record<string, FieldDoc>>;
  /** The route's own error statuses, besides those of reading the request and of talking to the XMPP server. */
  statuses: readonly number[];
  ok: { description: string; schema: Schema };
  /** Absent where the examples come from elsewhere (an admin mount's allowed commands, from their specs). */
  examples?: RouteExamples;
}

/** The required fields' values (but the key), decoded. */
export type FieldValues<S extends RouteSpec> = { [K in Exclude<keyof S['fields'], 'key'>]: S['fields'][K] extends FieldSpec<infer A> ? A : never };

/**
 * Decodes the required fields but `key`, in order. Text fields first, all
 * together: one of the wrong type is a bad_request; a missing or empty one
 * missing_parameters. Then each field's codec (bad_request, naming the field
 * and what is wrong). No message ever repeats a value.
 */
export function decodeFields<S extends RouteSpec>(spec: S, fields: Record<string, unknown>): FieldValues<S> {
  const declared = Object.entries<FieldSpec>(spec.fields).filter(([name]) => name !== 'key');
  const texts = declared.filter(([, field]) => field.text === true).map(([name]) => name);
  const given = (name: string) => fields[name] !== undefined && fields[name] !== null;
  const wrongType = texts.filter((name) => given(name) && !t.string.is(fields[name]));
  if (wrongType.length > 0) {
    throw new Refusal('bad_request', `${wrongType.join(', ')} must be ${wrongType.length > 1 ? 'strings' : 'a string'}`);
  }
  const missing = texts.filter((name) => !t.string.is(fields[name]) || fields[name] === '');
  if (missing.length > 0) throw new Refusal('missing_parameters', `missing or empty: ${missing.join(', ')}`);
  const values: Record<string, unknown> = {};
  for (const [name, field] of declared) {
    const decoded = field.codec.decode(fields[name]);
    if (decoded._tag === 'Left') throw new Refusal('bad_request', `${name} ${decoded.left[0]?.message ?? 'is not valid'}`);
    values[name] = decoded.right;
  }
  return values as FieldValues<S>;
}

/** The JSON Schema of a field, as the API document shows it. */
export function fieldSchema(field: FieldDoc, required: boolean): Schema {
  const schema: Schema = { ...field.schema, description: field.description };
  if (required && field.schema.type === 'string') schema.minLength = 1;
  if (field.secret) Object.assign(schema, { format: 'password', writeOnly: true });
  return schema;
}
