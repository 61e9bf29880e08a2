// The OpenAPI 3.1 document of the contract (../shared/docs/CONTRACT.md) as
// this configuration mounts it: every path, method, field, status and body.
// Each module's operations derive from its route specs (../api/*/routes.ts),
// the same declarations that validate requests; the operational routes'
// from their own declarations (./routes.ts adds them); the drift test
// (test/integration/ops.test.ts) compares this document with the routes the
// app really serves.
import { ADMIN_ROUTES, authOf, type AdminAuth, type AdminRoutes } from '../api/admin/routes.js';
import { REGISTER_ROUTES, type RegisterRoutes } from '../api/register/routes.js';
import { fieldSchema, type FieldDoc, type RouteSpec } from '../api/spec.js';
import type { AdminMount, Mount } from '../config/config.js';
import type { Json } from '../contract/json.js';
import type { OpsRoute } from '../http/app.js';
import { ERROR_STATUSES, errorNamesOf } from '../http/contract.js';
import { argsSchema, resultSchema, signature, type CommandSpec, type ValueType } from '../api/admin/command-spec.js';
import { nodeMatcher } from '../api/admin/node-patterns.js';
import { COMMANDS } from '../api/admin/commands.js';
import {
  answerExamples,
  DEFAULT_ADMIN_EXAMPLE,
  errorExamples,
  EXAMPLE_HOST,
  KEY_PLACEHOLDER,
  type Example,
} from './openapi-examples.js';
import { mountDescription } from './openapi-modules.js';
import { VERSION } from './version.js';

type Schema = Record<string, unknown>;

export interface OpenApiInput {
  basePath: string;
  mounts: Mount[];
  /** Module register's routes (default: the module's own; a test may change them). */
  registerRoutes?: RegisterRoutes;
  /** Module admin's routes by how a mount authorises (default: the module's own; a test may change them). */
  adminRoutes?: Readonly<Record<AdminAuth, AdminRoutes>>;
  /** The admin commands (default: the built-in ones, then `serverCommands`); a test may replace them. */
  commands?: readonly CommandSpec[];
  /** Commands the connected server offers beyond the built-in ones (ejabberd's mod_adhoc_api), learned at run time. */
  serverCommands?: readonly CommandSpec[];
}

/** Where the document itself is served. */
export const openApiPath = (basePath: string): string => `${basePath}/openapi.json`;

/**
 * The extension naming, on an operation that takes the key in its JSON body,
 * the security scheme that holds that mount's key: OpenAPI has no scheme for a
 * body field, so the API page reads this to fill the body's key in.
 */
export const BODY_KEY_EXTENSION = 'x-body-key-scheme';

/** The extension on an admin mount's operation listing its allowed commands: summary, signature, args and result schemas. */
export const COMMANDS_EXTENSION = 'x-commands';

// ---- shared pieces ---------------------------------------------------------

export const errorBody = (names: string[] | undefined, description: string): Schema => ({
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

/** The error responses as the document has them, with an example of each error name a status carries (../http/contract.ts). */
const ERRORS: Record<string, Schema> = Object.fromEntries(
  Object.entries(ERROR_STATUSES).map(([status, { description, detail, headers, examples }]) => [
    status,
    response(description, errorBody(errorNamesOf(Number(status)), detail), errorExamples(examples), headers),
  ]),
);

const ref = (status: string) => ({ $ref: `#/components/responses/E${status}` });

/** Statuses every operation that talks to the XMPP server can answer. */
const XMPP_STATUSES = ['429', '500', '501', '502', '503', '504'];
/** Statuses of reading a POST body. */
const BODY_STATUSES = ['400', '413', '415'];

const FORMAT_PARAMETER = { $ref: '#/components/parameters/Format' };

// ---- routes ----------------------------------------------------------------
// Each operation from its route's own declaration (../api/spec.ts RouteSpec).

/** How a mount shows one of its routes. */
interface Shown {
  operationId: string;
  tag: string;
  /** The mount's key scheme; undefined for a mount authorised by HTTP Basic. */
  keyScheme: string | undefined;
  /** The request's example (a POST's body, a GET's query fields), or examples by name. */
  request: { example: Record<string, Json> } | { examples: Record<string, Example> };
  answers: Record<string, Example>;
  /** Extensions of the operation (x-commands). */
  extensions?: Schema;
}

/** A route's path item: its method's operation, derived from its spec. */
function operationOf(spec: RouteSpec, shown: Shown): Schema {
  const method = spec.method === 'GET' ? 'get' : 'post';
  const required = Object.entries<FieldDoc>(spec.fields);
  const optional = Object.entries<FieldDoc>(spec.optional ?? {});
  const statuses = [...new Set([...spec.statuses.map(String), ...(method === 'post' ? BODY_STATUSES : ['400']), ...XMPP_STATUSES])].sort();
  const example = 'example' in shown.request ? shown.request.example : {};
  const operation: Schema = {
    operationId: shown.operationId,
    tags: [shown.tag],
    summary: spec.summary,
    description: spec.description,
    parameters:
      method === 'get'
        ? [
            // The key is the mount's security scheme (apiKey in the query), not a parameter.
            ...required
              .filter(([name]) => name !== 'key')
              .map(([name, field]) => ({ name, in: 'query', required: true, schema: fieldSchema(field, true), example: example[name] })),
            FORMAT_PARAMETER,
          ]
        : [FORMAT_PARAMETER],
    responses: {
      '200': response(spec.ok.description, spec.ok.schema, answerExamples(shown.answers)),
      ...Object.fromEntries(statuses.map((s) => [s, ref(s)])),
    },
  };
  if (shown.keyScheme === undefined) operation.security = [{ basicAuth: [] }];
  else if (method === 'get') operation.security = [{ [shown.keyScheme]: [] }];
  else operation[BODY_KEY_EXTENSION] = shown.keyScheme;
  Object.assign(operation, shown.extensions);
  if (method === 'post') {
    operation.requestBody = {
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: required.map(([name]) => name),
            properties: Object.fromEntries([
              ...required.map(([name, field]): [string, Schema] => [name, fieldSchema(field, true)]),
              ...optional.map(([name, field]): [string, Schema] => [name, fieldSchema(field, false)]),
            ]),
            // mod_restful's clients send extras (host to admin, email to register): ignored.
            additionalProperties: true,
          },
          ...shown.request,
        },
      },
    };
  }
  return { [method]: operation };
}

// ---- module register -------------------------------------------------------
// From the routes' own declarations (../api/register/routes.ts).

function registerOperations(
  mount: Mount,
  keyScheme: string,
  operationId: (route: string) => string,
  routes: RegisterRoutes,
): Record<string, Schema> {
  const hooks = mount.module === 'register' && mount.hooks.length > 0;
  return Object.fromEntries(
    Object.entries(routes).map(([route, { spec }]) => {
      // The hooks' answer, and the e-mail they read, are shown only where the mount has hooks.
      const answers = Object.fromEntries(Object.entries(spec.examples.answers).filter(([name]) => hooks || name !== 'hooks'));
      const example = hooks && route === 'register' ? { ...spec.examples.request, email: 'alice@example.org' } : spec.examples.request;
      return [route, operationOf(spec, { operationId: operationId(route), tag: mount.path, keyScheme, request: { example }, answers })];
    }),
  );
}

// ---- module admin ----------------------------------------------------------
// From the routes' own declarations (../api/admin/routes.ts); a route without
// examples of its own (POST <mount>) shows the mount's allowed commands, from
// their specs: one request body each, their results, and x-commands.

const BUILT_IN_SPECS: readonly CommandSpec[] = Object.values(COMMANDS).map((command) => command.spec);

function adminOperations(
  mount: AdminMount,
  keyScheme: string | undefined,
  operationId: (route: string) => string,
  routes: AdminRoutes,
  commands: readonly CommandSpec[],
): Record<string, Schema> {
  // allowed_commands: exact names and glob patterns, as the module reads them.
  const admitted = nodeMatcher(mount.allowedCommands);
  const allowed = commands.filter((spec) => admitted(spec.name));
  // One request body per command this mount may run (one the table knows when it allows none).
  const withExamples = allowed.length > 0 ? allowed : commands.filter((spec) => spec.name === DEFAULT_ADMIN_EXAMPLE);
  const shown = withExamples.map((spec) => ({
    command: spec.name,
    summary: spec.example === undefined ? `${signature(spec)}: ${spec.summary}` : spec.name,
    args: spec.example === undefined ? placeholderArgs(spec) : [...spec.example.args],
    result: spec.example?.result,
  }));
  const commandSchemas = Object.fromEntries(
    allowed.map((spec) => [spec.name, { summary: spec.summary, signature: signature(spec), args: argsSchema(spec), result: resultSchema(spec.result) }]),
  );
  const requests = Object.fromEntries(
    shown.map(({ command, summary, args }) => [command, { summary, value: { ...(keyScheme !== undefined ? { key: KEY_PLACEHOLDER } : {}), command, args } }]),
  );
  const results: Record<string, Example> = Object.fromEntries(
    shown.flatMap(({ command, result }) => (result === undefined ? [] : [[command, { summary: command, value: result }]])),
  );
  return Object.fromEntries(
    Object.entries(routes).map(([name, { path, spec }]) => [
      path,
      operationOf(spec, {
        operationId: operationId(name),
        tag: mount.path,
        keyScheme,
        ...(spec.examples === undefined
          ? { request: { examples: requests }, answers: results, extensions: { [COMMANDS_EXTENSION]: commandSchemas } }
          : { request: { example: spec.examples.request }, answers: spec.examples.answers }),
      }),
    ]),
  );
}

/** Placeholders of each required argument's type, for a command without an example of its own. */
function placeholderArgs(spec: CommandSpec): Json[] {
  const placeholder = (type: ValueType, name: string): Json => {
    if (type === 'integer') return 0;
    if (type === 'boolean') return true;
    if (type === 'fields') return {};
    if (typeof type === 'string') return `<${name}>`;
    if ('list' in type) return [placeholder(type.list.type, type.list.name)];
    return Object.fromEntries(type.tuple.map((member) => [member.name, placeholder(member.type, member.name)]));
  };
  return spec.args.filter((arg) => !arg.optional).map((arg) => placeholder(arg.type, arg.name));
}

// ---- operational routes ----------------------------------------------------
// Each declares its operation beside its handler (./routes.ts, ./docs-routes.ts);
// the served document adds them to this one.

/** An operational route with its GET operation in the document. */
export interface DocumentedRoute extends OpsRoute {
  operation: { operationId: string; summary: string; description?: string; responses: Record<string, unknown> };
}

/** The path items of operational routes: no key needed for any. */
export function opsPaths(routes: readonly DocumentedRoute[]): Record<string, Schema> {
  return Object.fromEntries(routes.map(({ path, operation }) => [path, { get: { ...operation, tags: ['operations'], security: [] } }]));
}

/** A JSON answer of an operational route. */
export const jsonAnswer = (description: string, schema: Schema, example?: Json): Schema => ({
  description,
  headers: { 'X-Request-Id': REQUEST_ID },
  content: { 'application/json': { schema, ...(example === undefined ? {} : { example }) } },
});

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
      const routes = registerOperations(mount, keyScheme ?? '', (r) => operationId(`${mount.path}_${r}`), input.registerRoutes ?? REGISTER_ROUTES);
      for (const [route, item] of Object.entries(routes)) paths[`${prefix}/${route}`] = item;
    } else {
      const routes = adminOperations(
        mount,
        keyScheme,
        (r) => operationId(`${mount.path}_${r}`),
        (input.adminRoutes ?? ADMIN_ROUTES)[authOf(mount)],
        input.commands ?? [...BUILT_IN_SPECS, ...(input.serverCommands ?? [])],
      );
      for (const [route, item] of Object.entries(routes)) paths[route === '' ? prefix : `${prefix}/${route}`] = item;
    }
  }
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
