// The OpenAPI 3.1 document of the contract (../shared/docs/CONTRACT.md) as
// this configuration mounts it: every path, method, field, status and body.
// Each module's operations are described here from the contract, not read
// off the modules' route lists, so the drift test (test/integration/ops.test.ts)
// can compare this document with the routes the app really serves.
import type { Mount } from '../config/config.js';
import { VERSION } from './version.js';

type Schema = Record<string, unknown>;

export interface OpenApiInput {
  basePath: string;
  mounts: Mount[];
  /** Whether /metrics is served on the main listener. */
  metricsOnMain: boolean;
}

/** Where the document itself is served. */
export const openApiPath = (basePath: string): string => `${basePath}/openapi.json`;

// ---- shared pieces ---------------------------------------------------------

const text = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const secret = (description: string): Schema => text(description, { minLength: 1, format: 'password', writeOnly: true });

const errorBody = (names: string[] | undefined, description: string): Schema => ({
  type: 'object',
  required: ['error'],
  properties: {
    error: names ? { type: 'string', enum: names } : { type: 'string' },
    detail: { type: 'string', description: 'A sentence a person can act on (never contains a password or key)' },
  },
  description,
});

const REQUEST_ID = { $ref: '#/components/headers/RequestId' };
const XML_BODY = {
  schema: {
    type: 'string',
    description: "mod_restful's XML shape: <ok/>, <true/>, <value>…</value>, <struct><entry key=\"k\">v</entry></struct>, <error>reason</error>",
  },
};

/** A response in JSON (and mod_restful's XML). */
function response(description: string, schema: Schema, headers: Record<string, unknown> = {}): Schema {
  return {
    description,
    headers: { 'X-Request-Id': REQUEST_ID, ...headers },
    content: { 'application/json': { schema }, 'application/xml': XML_BODY },
  };
}

/** The error responses, one per status; operations pick theirs by status. */
const ERRORS: Record<string, Schema> = {
  '400': response(
    'Bad input: malformed JSON, a field of the wrong type, a missing or empty field (missing_parameters), a name that fails nodeprep/nameprep (stringprep), or ?format other than json/xml',
    errorBody(['bad_request', 'missing_parameters', 'stringprep'], 'detail says what is wrong'),
  ),
  '401': response(
    'The key (or the HTTP Basic credentials) is missing or wrong',
    errorBody(['not_allowed'], 'no detail'),
    { 'WWW-Authenticate': { description: 'Sent when HTTP Basic credentials are expected', schema: { type: 'string' } } },
  ),
  '403': response(
    'Not allowed: a host the bridge does not serve, a wrong account password, a command not allowed, or a refusal by the XMPP server',
    errorBody(['not_allowed'], 'no detail'),
  ),
  '404': response('No such account (not_exists), or no such command', errorBody(['not_exists'], 'no detail')),
  '409': response('The account already exists', errorBody(['exists'], 'no detail')),
  '413': response('The body is larger than limits.body_bytes', errorBody(['bad_request'], 'detail gives the limit')),
  '415': response('The body is not JSON (Content-Type must be application/json)', errorBody(['bad_request'], '')),
  '429': response(
    'Too many requests: the XMPP server throttles, or the failed-login budget (limits.failed_logins) is spent',
    errorBody(['too_many_requests'], ''),
    { 'Retry-After': { description: 'Seconds to wait, when known', schema: { type: 'integer' } } },
  ),
  '500': response('Unexpected error, logged with the request id', errorBody(['internal_error'], '')),
  '501': response('The XMPP server does not offer this operation (module not enabled?)', errorBody(['not_supported'], '')),
  '502': response(
    'The XMPP server answered with an error the contract has no name for; error is its condition, e.g. internal_server_error',
    errorBody(undefined, ''),
  ),
  '503': response('No XMPP session to the server right now', errorBody(['service_unavailable'], 'detail says why')),
  '504': response('The XMPP server did not answer in time; the outcome is unknown', errorBody(['timeout'], '')),
};

const ref = (status: string) => ({ $ref: `#/components/responses/E${status}` });

/** Statuses every operation that talks to the XMPP server can answer. */
const XMPP_STATUSES = ['429', '500', '501', '502', '503', '504'];
/** Statuses of reading a POST body. */
const BODY_STATUSES = ['400', '413', '415'];

const FORMAT_PARAMETER = { $ref: '#/components/parameters/Format' };

// ---- module register -------------------------------------------------------

interface FieldSpec {
  name: string;
  schema: Schema;
}

const USERNAME: FieldSpec = { name: 'username', schema: text('Local part of the JID; nodeprep-normalised', { minLength: 1 }) };
const HOST: FieldSpec = { name: 'host', schema: text('One of the bridge\'s configured hosts; nameprep-normalised', { minLength: 1 }) };
const KEY: FieldSpec = { name: 'key', schema: secret("The mount's key") };

interface RegisterOperation {
  method: 'get' | 'post';
  summary: string;
  description: string;
  fields: FieldSpec[];
  optional?: FieldSpec[];
  ok: [string, Schema];
  statuses: string[];
}

const OK: Schema = { type: 'string', enum: ['ok'] };

/** Module register's routes (below the mount), from CONTRACT.md "Module register". */
const REGISTER: Record<string, RegisterOperation> = {
  register: {
    method: 'post',
    summary: 'Register a new account',
    description:
      'Registers username@host with the password. After success the registration hooks run; if any adds a pair the answer is the object of all pairs (e.g. {"private_email":"not_set"}), else "ok".',
    fields: [KEY, USERNAME, HOST, { name: 'password', schema: secret('Password of the new account') }],
    optional: [{ name: 'email', schema: text('Read by the private_email hook, when the mount has it') }],
    ok: [
      '"ok", or the pairs the registration hooks added',
      {
        anyOf: [
          OK,
          { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
        ],
      },
    ],
    statuses: ['401', '403', '409'],
  },
  unregister: {
    method: 'post',
    summary: 'Remove an account, given its password',
    description: 'A wrong password answers 403 not_allowed; an unknown account 404 not_exists.',
    fields: [KEY, USERNAME, HOST, { name: 'password', schema: secret('The account\'s password') }],
    ok: ['"ok"', OK],
    statuses: ['401', '403', '404'],
  },
  change_password: {
    method: 'post',
    summary: "Change an account's password, given the old one",
    description: 'The bridge logs in as the account with old_password (a wrong one answers 403 not_allowed).',
    fields: [
      KEY,
      USERNAME,
      HOST,
      { name: 'old_password', schema: secret('The current password') },
      { name: 'new_password', schema: secret('The new password') },
    ],
    ok: ['"ok"', OK],
    statuses: ['401', '403', '404'],
  },
  force_change_password: {
    method: 'post',
    summary: "Set an account's password without the old one (key required)",
    description: 'An unknown account answers 404 not_exists.',
    fields: [KEY, USERNAME, HOST, { name: 'new_password', schema: secret('The new password') }],
    ok: ['"ok"', OK],
    statuses: ['401', '403', '404'],
  },
  is_registered: {
    method: 'get',
    summary: 'Whether an account exists',
    description: 'Answers true or false. The key, username and host come in the query string.',
    fields: [KEY, USERNAME, HOST],
    ok: ['true or false', { type: 'boolean' }],
    statuses: ['401', '403'],
  },
};

function registerOperations(mountPath: string, operationId: (route: string) => string): Record<string, Schema> {
  const paths: Record<string, Schema> = {};
  for (const [route, op] of Object.entries(REGISTER)) {
    const fields = [...op.fields, ...(op.optional ?? [])];
    const statuses = [...new Set([...op.statuses, ...(op.method === 'post' ? BODY_STATUSES : ['400']), ...XMPP_STATUSES])].sort();
    const operation: Schema = {
      operationId: operationId(route),
      tags: [mountPath],
      summary: op.summary,
      description: op.description,
      parameters:
        op.method === 'get'
          ? [
              ...op.fields.map((f) => ({ name: f.name, in: 'query', required: true, schema: f.schema })),
              FORMAT_PARAMETER,
            ]
          : [FORMAT_PARAMETER],
      responses: {
        '200': response(op.ok[0], op.ok[1]),
        ...Object.fromEntries(statuses.map((s) => [s, ref(s)])),
      },
    };
    if (op.method === 'post') {
      operation.requestBody = {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: op.fields.map((f) => f.name),
              properties: Object.fromEntries(fields.map((f) => [f.name, f.schema])),
              // mod_restful's clients send extras (host to admin, email to register): ignored.
              additionalProperties: true,
            },
          },
        },
      };
    }
    paths[route] = { [op.method]: operation };
  }
  return paths;
}

// ---- module admin ----------------------------------------------------------

function adminOperation(mount: Mount, operationId: string): Schema {
  const keyed = mount.key !== undefined;
  const properties: Record<string, Schema> = {
    command: text('An ejabberd command name from the mount\'s allowed_commands', { minLength: 1 }),
    args: {
      type: 'array',
      description: 'Positional arguments, as in ejabberd\'s command API',
      items: { type: ['string', 'integer', 'boolean'] },
    },
  };
  if (keyed) properties.key = KEY.schema;
  const statuses = [...new Set(['400', '401', '403', '404', '409', ...BODY_STATUSES, ...XMPP_STATUSES])].sort();
  return {
    post: {
      operationId,
      tags: [mount.path],
      summary: 'Run a server command',
      description:
        (keyed
          ? 'Authorised by the mount\'s key in the body. '
          : 'Authorised by HTTP Basic credentials of an account the XMPP server treats as an administrator (the JID as user name). ') +
        'A command outside allowed_commands answers 403 not_allowed; an unknown command or wrong arguments 400 bad_request. ' +
        'Results keep ejabberd\'s command result shapes: {"ok": text} or {"error": text} for a result tuple, a string, an integer, a list as an array, a record as an object.',
      ...(keyed ? {} : { security: [{ basicAuth: [] }] }),
      parameters: [FORMAT_PARAMETER],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: keyed ? ['command', 'key'] : ['command'],
              properties,
              additionalProperties: true,
            },
            example: { ...(keyed ? { key: '…' } : {}), command: 'register', args: ['test', 'example.net', '…'] },
          },
        },
      },
      responses: {
        '200': response('The command\'s result', {
          anyOf: [
            { type: 'object', description: '{"ok": text}, {"error": text}, or a record' },
            { type: 'array' },
            { type: 'string' },
            { type: 'integer' },
          ],
        }),
        ...Object.fromEntries(statuses.map((s) => [s, ref(s)])),
      },
    },
  };
}

// ---- operational routes ----------------------------------------------------

function opsPaths(input: OpenApiInput): Record<string, Schema> {
  const plain = (description: string, schema: Schema) => ({
    description,
    headers: { 'X-Request-Id': REQUEST_ID },
    content: { 'application/json': { schema } },
  });
  const paths: Record<string, Schema> = {
    '/health': {
      get: {
        operationId: 'health',
        tags: ['operations'],
        summary: 'Liveness: the process is alive and serving HTTP',
        description: 'No key needed. Does not look at the XMPP session (see /ready).',
        security: [],
        responses: { '200': plain('Alive', { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } }) },
      },
    },
    '/ready': {
      get: {
        operationId: 'ready',
        tags: ['operations'],
        summary: 'Readiness: 200 only while the XMPP session is up',
        description: 'No key needed. 503 while the bridge has no XMPP session (detail says why) or is shutting down.',
        security: [],
        responses: {
          '200': plain('Ready', { type: 'object', properties: { status: { type: 'string', enum: ['ready'] } } }),
          '503': plain('Not ready', errorBody(['service_unavailable'], 'detail says why')),
        },
      },
    },
    [openApiPath(input.basePath)]: {
      get: {
        operationId: 'openapi',
        tags: ['operations'],
        summary: 'This document',
        security: [],
        responses: { '200': plain('The OpenAPI 3.1 document', { type: 'object' }) },
      },
    },
  };
  if (input.metricsOnMain) {
    paths['/metrics'] = {
      get: {
        operationId: 'metrics',
        tags: ['operations'],
        summary: 'Prometheus metrics (text exposition format)',
        security: [],
        responses: {
          '200': {
            description: 'Metrics',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    };
  }
  return paths;
}

// ---- the document ----------------------------------------------------------

export function openApiDocument(input: OpenApiInput): Record<string, unknown> {
  const paths: Record<string, Schema> = {};
  const ids = new Set<string>();
  const uniqueId = (wanted: string): string => {
    const base = wanted.replace(/[^A-Za-z0-9_]/g, '_');
    let id = base;
    for (let n = 2; ids.has(id); n++) id = `${base}_${n}`;
    ids.add(id);
    return id;
  };
  for (const mount of input.mounts) {
    const prefix = `${input.basePath}/${mount.path}`;
    if (mount.module === 'register') {
      for (const [route, item] of Object.entries(registerOperations(mount.path, (r) => uniqueId(`${mount.path}_${r}`)))) {
        paths[`${prefix}/${route}`] = item;
      }
    } else {
      paths[prefix] = adminOperation(mount, uniqueId(`${mount.path}_command`));
    }
  }
  Object.assign(paths, opsPaths(input));
  const basicAuth = input.mounts.some((m) => m.module === 'admin' && m.key === undefined);

  return {
    openapi: '3.1.0',
    info: {
      title: 'ejabberd-restful',
      version: VERSION,
      summary: "mod_restful's REST API for XMPP accounts, carried out over XMPP against ejabberd",
      description:
        'Keys travel in the JSON body ("key") or, on GET, in the query string. Errors are {"error": reason} ' +
        '(plus "detail" where the contract gives one). Every answer carries X-Request-Id. ' +
        '?format=xml or Accept: application/xml gives mod_restful\'s XML instead of JSON.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [
      ...input.mounts.map((m) => ({ name: m.path, description: `Module ${m.module} mounted at ${input.basePath}/${m.path}` })),
      { name: 'operations', description: 'Health, readiness, metrics and this document; no key needed' },
    ],
    paths,
    components: {
      parameters: {
        Format: {
          name: 'format',
          in: 'query',
          required: false,
          description: 'Output format; also chosen by Accept: application/xml',
          schema: { type: 'string', enum: ['json', 'xml'], default: 'json' },
        },
      },
      headers: {
        RequestId: {
          description: "The caller's X-Request-Id if it sent a plain one (up to 128 of A-Z a-z 0-9 . _ : -), else a new UUID",
          schema: { type: 'string' },
        },
      },
      responses: Object.fromEntries(Object.entries(ERRORS).map(([status, r]) => [`E${status}`, r])),
      ...(basicAuth ? { securitySchemes: { basicAuth: { type: 'http', scheme: 'basic' } } } : {}),
    },
  };
}
