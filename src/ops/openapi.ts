// The OpenAPI 3.1 document of the contract (../shared/docs/CONTRACT.md) as
// this configuration mounts it: every path, method, field, status and body.
// Each module's operations are described here from the contract, not read
// off the modules' route lists, so the drift test (test/integration/ops.test.ts)
// can compare this document with the routes the app really serves.
import type { AdminMount, Mount } from '../config/config.js';
import type { Json } from '../contract/json.js';
import {
  ADMIN_EXAMPLES,
  answerExamples,
  DEFAULT_ADMIN_EXAMPLE,
  ERROR_EXAMPLES,
  errorExamples,
  EXAMPLE_HOST,
  KEY_PLACEHOLDER,
  REGISTER_EXAMPLES,
  type Example,
  type RouteExamples,
} from './openapi-examples.js';
import { mountDescription } from './openapi-modules.js';
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

/**
 * The extension naming, on an operation that takes the key in its JSON body,
 * the security scheme that holds that mount's key: OpenAPI has no scheme for a
 * body field, so the API page reads this to fill the body's key in.
 */
export const BODY_KEY_EXTENSION = 'x-body-key-scheme';

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
const XML_SCHEMA = {
  type: 'string',
  description: "mod_restful's XML shape: <ok/>, <true/>, <value>…</value>, <struct><entry key=\"k\">v</entry></struct>, <error>reason</error>",
};

type MediaExamples = ReturnType<typeof answerExamples>;

/** A response in JSON (and mod_restful's XML), with examples of both. */
function response(description: string, schema: Schema, examples: MediaExamples, headers: Record<string, unknown> = {}): Schema {
  return {
    description,
    headers: { 'X-Request-Id': REQUEST_ID, ...headers },
    content: {
      'application/json': { schema, examples: examples.json },
      'application/xml': { schema: XML_SCHEMA, examples: examples.xml },
    },
  };
}

type ErrorSpec = [description: string, schema: Schema, headers?: Record<string, unknown>];

/** The error responses, one per status; operations pick theirs by status. */
const ERROR_SPECS: Record<string, ErrorSpec> = {
  '400': [
    'Bad input: malformed JSON, a field of the wrong type, a missing or empty field (missing_parameters), a name that fails nodeprep/nameprep (stringprep), or ?format other than json/xml',
    errorBody(['bad_request', 'missing_parameters', 'stringprep'], 'detail says what is wrong'),
  ],
  '401': [
    'The key (or the HTTP Basic credentials) is missing or wrong',
    errorBody(['not_allowed'], 'no detail'),
    { 'WWW-Authenticate': { description: 'Sent when HTTP Basic credentials are expected', schema: { type: 'string' } } },
  ],
  '403': [
    'Not allowed: a host the bridge does not serve, a wrong account password, a command not allowed, or a refusal by the XMPP server',
    errorBody(['not_allowed'], 'no detail'),
  ],
  '404': ['No such account (not_exists), or no such command', errorBody(['not_exists'], 'no detail')],
  '409': ['The account already exists', errorBody(['exists'], 'no detail')],
  '413': ['The body is larger than limits.body_bytes', errorBody(['bad_request'], 'detail gives the limit')],
  '415': ['The body is not JSON (Content-Type must be application/json)', errorBody(['bad_request'], '')],
  '429': [
    'Too many requests: the XMPP server throttles, or the failed-login budget (limits.failed_logins) is spent',
    errorBody(['too_many_requests'], ''),
    { 'Retry-After': { description: 'Seconds to wait, when known', schema: { type: 'integer' } } },
  ],
  '500': ['Unexpected error, logged with the request id', errorBody(['internal_error'], '')],
  '501': [
    "The XMPP server does not offer this operation: a module not enabled, or a server whose back end cannot do it (on Prosody: registered_users, registered_users_number, get_last, set_motd, delete_motd; see docs/servers.md)",
    errorBody(['not_supported'], ''),
  ],
  '502': [
    'The XMPP server answered with an error the contract has no name for (error is its condition, e.g. internal_server_error), or reported a failure in a completed command (command_failed, detail quotes its note)',
    errorBody(undefined, ''),
  ],
  '503': ['Nothing was sent: no XMPP session to the server right now, or too many requests in flight (then Retry-After)', errorBody(['service_unavailable'], 'detail says why')],
  '504': ['Sent, but no answer in time or the connection was lost: the outcome is unknown (check, e.g. is_registered, before retrying)', errorBody(['timeout'], '')],
};

/** The error responses as the document has them, with an example of each error name a status carries. */
const ERRORS: Record<string, Schema> = Object.fromEntries(
  Object.entries(ERROR_SPECS).map(([status, [description, schema, headers]]) => [
    status,
    response(description, schema, errorExamples(ERROR_EXAMPLES[status] ?? {}), headers),
  ]),
);

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
const KEY: FieldSpec = {
  name: 'key',
  schema: secret(`The mount's key (on the API page, Authorize fills in the \`${KEY_PLACEHOLDER}\` placeholder)`),
};

interface RegisterOperation {
  method: 'get' | 'post';
  summary: string;
  description: string;
  fields: FieldSpec[];
  optional?: FieldSpec[];
  ok: [string, Schema];
  statuses: string[];
  examples: RouteExamples;
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
    examples: REGISTER_EXAMPLES.register,
  },
  unregister: {
    method: 'post',
    summary: 'Remove an account, given its password',
    description: 'A wrong password answers 403 not_allowed; an unknown account 404 not_exists.',
    fields: [KEY, USERNAME, HOST, { name: 'password', schema: secret('The account\'s password') }],
    ok: ['"ok"', OK],
    statuses: ['401', '403', '404'],
    examples: REGISTER_EXAMPLES.unregister,
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
    examples: REGISTER_EXAMPLES.change_password,
  },
  force_change_password: {
    method: 'post',
    summary: "Set an account's password without the old one (key required)",
    description: 'An unknown account answers 404 not_exists.',
    fields: [KEY, USERNAME, HOST, { name: 'new_password', schema: secret('The new password') }],
    ok: ['"ok"', OK],
    statuses: ['401', '403', '404'],
    examples: REGISTER_EXAMPLES.force_change_password,
  },
  is_registered: {
    method: 'get',
    summary: 'Whether an account exists',
    description: "Answers true or false. The key, username and host come in the query string (the key as the mount's security scheme).",
    fields: [KEY, USERNAME, HOST],
    ok: ['true or false', { type: 'boolean' }],
    statuses: ['401', '403'],
    examples: REGISTER_EXAMPLES.is_registered,
  },
};

function registerOperations(
  mount: Mount,
  keyScheme: string,
  operationId: (route: string) => string,
): Record<string, Schema> {
  const paths: Record<string, Schema> = {};
  const hooks = mount.module === 'register' && mount.hooks.length > 0;
  for (const [route, op] of Object.entries(REGISTER)) {
    const fields = [...op.fields, ...(op.optional ?? [])];
    const statuses = [...new Set([...op.statuses, ...(op.method === 'post' ? BODY_STATUSES : ['400']), ...XMPP_STATUSES])].sort();
    // The hooks' answer is shown only where the mount has hooks.
    const answers = Object.fromEntries(Object.entries(op.examples.answers).filter(([name]) => hooks || name !== 'hooks'));
    const operation: Schema = {
      operationId: operationId(route),
      tags: [mount.path],
      summary: op.summary,
      description: op.description,
      parameters:
        op.method === 'get'
          ? [
              // The key is the mount's security scheme (apiKey in the query), not a parameter.
              ...op.fields
                .filter((f) => f !== KEY)
                .map((f) => ({ name: f.name, in: 'query', required: true, schema: f.schema, example: op.examples.request[f.name] })),
              FORMAT_PARAMETER,
            ]
          : [FORMAT_PARAMETER],
      responses: {
        '200': response(op.ok[0], op.ok[1], answerExamples(answers)),
        ...Object.fromEntries(statuses.map((s) => [s, ref(s)])),
      },
    };
    if (op.method === 'get') {
      operation.security = [{ [keyScheme]: [] }];
    } else {
      operation[BODY_KEY_EXTENSION] = keyScheme;
      const example = hooks && route === 'register' ? { ...op.examples.request, email: 'alice@example.org' } : op.examples.request;
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
            example,
          },
        },
      };
    }
    paths[route] = { [op.method]: operation };
  }
  return paths;
}

// ---- module admin ----------------------------------------------------------

function adminOperation(mount: AdminMount, operationId: string, keyScheme: string | undefined): Schema {
  const keyed = keyScheme !== undefined;
  const properties: Record<string, Schema> = {
    command: text('An ejabberd command name from the mount\'s allowed_commands', { minLength: 1 }),
    args: {
      type: 'array',
      description: 'Positional arguments, as in ejabberd\'s command API',
      items: {
        anyOf: [
          { type: ['string', 'integer', 'boolean'] },
          {
            type: 'object',
            description: "adhoc's fields: {FIELD: VALUE or [VALUES]}",
            additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
          },
        ],
      },
    },
  };
  if (keyed) properties.key = KEY.schema;
  const statuses = [...new Set(['400', '401', '403', '404', '409', ...BODY_STATUSES, ...XMPP_STATUSES])].sort();
  // Examples of the commands this mount allows (one the table knows when it allows none of those).
  const known = mount.allowedCommands.filter((c) => Object.hasOwn(ADMIN_EXAMPLES, c));
  const shown = (known.length > 0 ? known : [DEFAULT_ADMIN_EXAMPLE]).flatMap((c) => {
    const example = ADMIN_EXAMPLES[c];
    return example ? [{ command: c, ...example }] : [];
  });
  const requests = Object.fromEntries(
    shown.map(({ command, args }) => [
      command,
      { summary: command, value: { ...(keyed ? { key: KEY_PLACEHOLDER } : {}), command, args } },
    ]),
  );
  const results: Record<string, Example> = Object.fromEntries(shown.map(({ command, result }) => [command, { summary: command, value: result }]));
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
      ...(keyed ? { [BODY_KEY_EXTENSION]: keyScheme } : { security: [{ basicAuth: [] }] }),
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
            examples: requests,
          },
        },
      },
      responses: {
        '200': response(
          'The command\'s result',
          {
            anyOf: [
              { type: 'object', description: '{"ok": text}, {"error": text}, or a record' },
              { type: 'array' },
              { type: 'string' },
              { type: 'integer' },
              { type: 'boolean' },
            ],
          },
          answerExamples(results),
        ),
        ...Object.fromEntries(statuses.map((s) => [s, ref(s)])),
      },
    },
  };
}

// ---- operational routes ----------------------------------------------------

function opsPaths(input: OpenApiInput): Record<string, Schema> {
  const plain = (description: string, schema: Schema, example?: Json) => ({
    description,
    headers: { 'X-Request-Id': REQUEST_ID },
    content: { 'application/json': { schema, ...(example === undefined ? {} : { example }) } },
  });
  const paths: Record<string, Schema> = {
    '/health': {
      get: {
        operationId: 'health',
        tags: ['operations'],
        summary: 'Liveness: the process is alive and serving HTTP',
        description: 'No key needed. Does not look at the XMPP session (see /ready).',
        security: [],
        responses: {
          '200': plain('Alive', { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } }, { status: 'ok' }),
        },
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
          '200': plain('Ready', { type: 'object', properties: { status: { type: 'string', enum: ['ready'] } } }, { status: 'ready' }),
          '503': plain('Not ready', errorBody(['service_unavailable'], 'detail says why'), {
            error: 'service_unavailable',
            detail: "not ready: the XMPP session is down or the bridge is shutting down; the bridge's log says why",
          }),
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
            content: {
              'text/plain': {
                schema: { type: 'string' },
                example: `# HELP ejabberd_restful_xmpp_session_up 1 while the bridge's XMPP session is up\n# TYPE ejabberd_restful_xmpp_session_up gauge\nejabberd_restful_xmpp_session_up 1\n`,
              },
            },
          },
        },
      },
    };
  }
  return paths;
}

// ---- the document ----------------------------------------------------------

/** Names unique within one namespace of the document, made of the characters it allows. */
function uniqueNames(allowed: RegExp): (wanted: string) => string {
  const taken = new Set<string>();
  return (wanted) => {
    const base = wanted.replace(allowed, '_');
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
    taken.add(name);
    return name;
  };
}

function keySchemeFor(mount: Mount, basePath: string): Schema {
  // Markdown: the page renders it, and a bare <key> would read as an HTML tag.
  const onPage = `on the API page, what you type here replaces the body's \`${KEY_PLACEHOLDER}\` placeholder. Kept in this browser tab only.`;
  const where = `The key of the mount at \`${basePath}/${mount.path}\`.`;
  const inBody =
    `the JSON body's \`key\` field, which OpenAPI cannot express as a security scheme: operations that take it there ` +
    `name this scheme in \`${BODY_KEY_EXTENSION}\`, and their examples carry the placeholder`;
  return {
    type: 'apiKey',
    in: 'query',
    name: 'key',
    description:
      mount.module === 'register'
        ? `${where} GET: the query's \`key\` (this scheme). POST: ${inBody}; ${onPage}`
        : `${where} Only ever ${inBody} (this mount has no GET); ${onPage}`,
  };
}

export function withPaths(document: Record<string, unknown>, more: Record<string, Record<string, unknown>>): Record<string, unknown> {
  const paths = { ...((document.paths ?? {}) as Record<string, Record<string, unknown>>) };
  for (const [path, item] of Object.entries(more)) paths[path] = { ...paths[path], ...item };
  return { ...document, paths };
}

export function openApiDocument(input: OpenApiInput): Record<string, unknown> {
  const paths: Record<string, Schema> = {};
  const operationId = uniqueNames(/[^A-Za-z0-9_]/g);
  const schemeName = uniqueNames(/[^A-Za-z0-9._-]/g);
  const securitySchemes: Record<string, Schema> = {};
  for (const mount of input.mounts) {
    const prefix = `${input.basePath}/${mount.path}`;
    // Every register mount has a key scheme (one without a key refuses everything); admin mounts without a key use Basic.
    const keyScheme = mount.module === 'register' || mount.key !== undefined ? schemeName(`${mount.path}_key`) : undefined;
    if (keyScheme !== undefined) securitySchemes[keyScheme] = keySchemeFor(mount, input.basePath);
    if (mount.module === 'register') {
      const routes = registerOperations(mount, keyScheme ?? '', (r) => operationId(`${mount.path}_${r}`));
      for (const [route, item] of Object.entries(routes)) paths[`${prefix}/${route}`] = item;
    } else {
      paths[prefix] = adminOperation(mount, operationId(`${mount.path}_command`), keyScheme);
    }
  }
  Object.assign(paths, opsPaths(input));
  if (input.mounts.some((m) => m.module === 'admin' && m.key === undefined)) {
    securitySchemes.basicAuth = {
      type: 'http',
      scheme: 'basic',
      description: 'For admin mounts without a key: the JID of an account the XMPP server treats as an administrator (e.g. admin@localhost) and its password',
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'ejabberd-restful',
      version: VERSION,
      summary: "mod_restful's REST API for XMPP accounts, carried out over XMPP against ejabberd",
      description:
        'Keys travel in the JSON body ("key") or, on GET, in the query string. Errors are {"error": reason} ' +
        '(plus "detail" where the contract gives one). Every answer carries X-Request-Id. ' +
        '?format=xml or Accept: application/xml gives mod_restful\'s XML instead of JSON.\n\n' +
        `Examples name the host \`${EXAMPLE_HOST}\` and stand for a key with \`${KEY_PLACEHOLDER}\`: on the API page, type each ` +
        'mount\'s key once into **Authorize** (it stays in this browser tab only) and it fills the placeholder in.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [
      ...input.mounts.map((m) => ({ name: m.path, description: mountDescription(m, input.basePath) })),
      { name: 'operations', description: 'Health, readiness, metrics, this document and its API page; no key needed' },
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
      ...(Object.keys(securitySchemes).length > 0 ? { securitySchemes } : {}),
    },
  };
}
