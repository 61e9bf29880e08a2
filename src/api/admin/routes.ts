// Module admin's routes, as data (../spec.ts) next to their handlers: the one
// place where a route or a top-level field of its body is declared.
// Validation (./module.ts) and the OpenAPI document (../../ops/openapi.ts)
// follow. A command's own arguments are declared by its CommandSpec
// (./command-spec.ts), which validates `args` (./args.ts) and gives the
// document its commands, request examples and results.
// From CONTRACT.md "Module admin".
import * as t from 'io-ts';
import type { ApiCommands } from '../../admin/api-commands.js';
import type { Authority } from '../../admin/server-commands.js';
import type { AdminMount } from '../../config/config.js';
import type { Json } from '../../contract/json.js';
import { Refusal } from '../../contract/refusal.js';
import type { RouteInput } from '../module.js';
import { KEY_FIELD, type FieldDoc, type Fields, type FieldSpec, type FieldValues, type RouteSpec } from '../spec.js';
import { readCommandArgs } from './args.js';
import { commandNamed, COMMANDS, type CommandContext } from './commands.js';
import { commandListing } from './listing.js';

/** How a mount authorises its callers: its key, or HTTP Basic credentials of an XMPP administrator. */
export type AdminAuth = 'key' | 'basic';

/** A mount with a key takes only the key; one without takes only Basic credentials. */
export const authOf = (mount: Pick<AdminMount, 'key'>): AdminAuth => (mount.key === undefined ? 'basic' : 'key');

export interface AdminContext {
  /** Whether the mount's allowed_commands admits a command (exact names and glob patterns). */
  allowed: (name: string) => boolean;
  /** Commands by name beyond the module's own (ejabberd's API over mod_adhoc_api). */
  apiCommands: ApiCommands;
  /** What the built-in commands run with, but the caller's authority. */
  commands: Omit<CommandContext, 'authority'>;
}

/** A route: where it is below the mount, its declaration, and what it does for an authorised caller. */
export interface AdminRoute<S extends RouteSpec = RouteSpec> {
  /** Below the mount: '' for the mount itself. */
  path: string;
  spec: S;
  handle(context: AdminContext, request: { authority: Authority; values: FieldValues<S>; input: RouteInput }): Promise<Json>;
}

/** Every route of the module, by the name its operation is known by. */
export type AdminRoutes = Readonly<Record<string, AdminRoute>>;

/** A command name: any failure says what the field must be, as mod_restful_admin's clients were told. */
const CommandName = new t.Type<string, string, unknown>(
  'CommandName',
  (u): u is string => typeof u === 'string' && u !== '',
  (u, c) => (typeof u === 'string' && u !== '' ? t.success(u) : t.failure(u, c, 'must be a non-empty string naming a server command')),
  (a) => a,
);

const COMMAND: FieldSpec<string> = {
  codec: CommandName,
  schema: { type: 'string' },
  description: "An ejabberd command name from the mount's allowed_commands",
};

/** Validated by the command's own spec, after the allow-list (an absent one is no arguments). */
const ARGS: FieldDoc = {
  schema: {
    type: 'array',
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
  description: "Positional arguments, as in ejabberd's command API",
};

const ARGUMENT = {
  type: 'object',
  required: ['name', 'type', 'list'],
  properties: {
    name: { type: 'string' },
    type: { type: 'string', description: "ejabberd's type: binary, integer, [ element ] for a list, { a, b } for a tuple" },
    list: { type: 'boolean' },
    optional: { type: 'boolean' },
    description: { type: 'string' },
  },
};

/** A keyed mount's fields end with its key (checked first and apart, so the handler never sees it). */
const withKey = <F extends Fields>(auth: AdminAuth, fields: F): F => (auth === 'key' ? { ...fields, key: KEY_FIELD } : fields);

/** Binds a spec to its handler, keeping the handler's view of the fields typed. */
const route = <S extends RouteSpec>(path: string, spec: S, handle: AdminRoute<S>['handle']): AdminRoute<S> => ({ path, spec, handle });

/** The module's routes for a mount authorised by `auth`: its fields and descriptions say how. */
function adminRoutes(auth: AdminAuth) {
  const keyed = auth === 'key';
  return {
    command: route(
      '',
      {
        method: 'POST',
        summary: 'Run a server command',
        description:
          (keyed
            ? "Authorised by the mount's key in the body. "
            : 'Authorised by HTTP Basic credentials of an account the XMPP server treats as an administrator (the JID as user name). ') +
          'A command outside allowed_commands answers 403 not_allowed; an unknown command or wrong arguments 400 bad_request. ' +
          'Results keep ejabberd\'s command result shapes: {"ok": text} or {"error": text} for a result tuple, a string, an integer, a list as an array, a record as an object.',
        fields: withKey(auth, { command: COMMAND }),
        optional: { args: ARGS },
        statuses: [401, 403, 404, 409],
        ok: {
          description: "The command's result",
          schema: {
            anyOf: [
              { type: 'object', description: '{"ok": text}, {"error": text}, or a record' },
              { type: 'array' },
              { type: 'string' },
              { type: 'integer' },
              { type: 'boolean' },
            ],
          },
        },
        // The request and result examples: the mount's allowed commands, from their specs.
      },
      async ({ allowed, apiCommands, commands }, { authority, values, input }) => {
        const name = values.command;
        if (!allowed(name)) throw new Refusal('not_allowed', 'this command is not in allowed_commands of this mount');
        const command = commandNamed(name);
        // Any other name is the server's own command (ejabberd 25.03+ with mod_adhoc_api).
        if (command === undefined) {
          if (!(await apiCommands.knows(name))) {
            throw new Refusal('bad_request', `unknown command; known: ${Object.keys(COMMANDS).join(', ')}, and the server's own that GET <mount>/commands lists`);
          }
          return apiCommands.run(authority, name, input.fields.args);
        }
        const args = readCommandArgs(command.spec, input.fields.args);
        return command.run({ ...commands, authority }, args);
      },
    ),
    commands: route(
      'commands',
      {
        method: 'GET',
        summary: 'The commands this mount may run on the connected server',
        description:
          (keyed
            ? "Authorised by the mount's key in the query. "
            : 'Authorised by HTTP Basic credentials of an XMPP administrator; lists what the server lets that account run. ') +
          "The admin module's own commands, then (ejabberd 25.03+ with mod_adhoc_api) every other command the server offers the bridge, " +
          "each as allowed_commands admits it: arguments in order with ejabberd's types, and the result's shape. " +
          "Learned from the server on every (re)connect. A command marked typed: false is not in the bridge's catalogue: its arguments go as strings.",
        fields: withKey(auth, {}),
        statuses: [401, 403],
        ok: {
          description: 'The commands',
          schema: {
            type: 'object',
            required: ['commands'],
            properties: {
              commands: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name', 'description', 'args', 'result', 'typed'],
                  properties: {
                    name: { type: 'string' },
                    description: { type: 'string' },
                    args: { type: 'array', items: ARGUMENT },
                    result: { type: 'string' },
                    typed: { type: 'boolean' },
                    note: { type: 'string' },
                  },
                },
              },
            },
          },
        },
        examples: {
          request: {},
          answers: {
            commands: {
              summary: 'A listing on ejabberd 26.07 with mod_adhoc_api',
              value: {
                commands: [
                  {
                    name: 'register',
                    description: 'Register an account',
                    args: ['user', 'host', 'password'].map((name) => ({ name, type: 'string', list: false })),
                    result: '{ ok: text }',
                    typed: true,
                  },
                  {
                    name: 'get_roster',
                    description: 'Get list of contacts in a local user roster',
                    args: [
                      { name: 'user', type: 'binary', list: false },
                      { name: 'host', type: 'binary', list: false },
                    ],
                    result: '[ contact::{ jid::string, nick::string, subscription::string, pending::string, groups::string } ]',
                    typed: true,
                  },
                ],
              },
            },
          },
        },
      },
      async ({ allowed, apiCommands }, { authority }) => {
        const offered = await apiCommands.list(authority, allowed).catch((error: unknown) => {
          // Without mod_adhoc_api the module's own commands are still listed.
          if (error instanceof Refusal && error.reason === 'not_supported') return [];
          throw error;
        });
        return { commands: commandListing(allowed, offered) };
      },
    ),
  };
}

/** The routes of a keyed mount and of one authorised by HTTP Basic. */
export const ADMIN_ROUTES = { key: adminRoutes('key'), basic: adminRoutes('basic') } satisfies Readonly<Record<AdminAuth, AdminRoutes>>;
