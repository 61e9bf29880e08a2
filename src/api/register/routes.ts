// Module register's routes, as data (../spec.ts) next to their handlers: the
// one place where a route or a field of it is declared. Validation
// (./module.ts) and the OpenAPI document (../../ops/openapi.ts) follow.
// From CONTRACT.md "Module register".
import type { Accounts } from '../../accounts/accounts.js';
import type { Account } from '../../contract/account.js';
import type { Json } from '../../contract/json.js';
import type { RouteInput } from '../module.js';
import { EXAMPLE_HOST, KEY_FIELD, KEY_PLACEHOLDER, secretField, textField, type FieldSpec, type FieldValues, type RouteExamples, type RouteSpec } from '../spec.js';
import { runHooks, type RegistrationHook } from './hooks.js';

export interface RegisterContext {
  accounts: Accounts;
  /** The mount's registration hooks. */
  hooks: readonly RegistrationHook[];
}

/** Every field of a register route is text (../spec.ts textField, secretField), and every route has its examples. */
export type RegisterSpec = RouteSpec<Readonly<Record<string, FieldSpec<string>>>> & { examples: RouteExamples };

/** A route: its declaration, and what it does with the validated account and fields. */
export interface RegisterRoute<S extends RegisterSpec = RegisterSpec> {
  spec: S;
  handle(context: RegisterContext, request: { account: Account; values: FieldValues<S>; input: RouteInput }): Promise<Json>;
}

const USERNAME = textField('Local part of the JID; nodeprep-normalised');
const HOST = textField("One of the bridge's configured hosts; nameprep-normalised");
const OK = { type: 'string', enum: ['ok'] };

/** Binds a spec to its handler, keeping the handler's view of the fields typed. */
const route = <S extends RegisterSpec>(spec: S, handle: RegisterRoute<S>['handle']): RegisterRoute<S> => ({ spec, handle });

export const REGISTER_ROUTES = {
  register: route(
    {
      method: 'POST',
      summary: 'Register a new account',
      description:
        'Registers username@host with the password. After success the registration hooks run; if any adds a pair the answer is the object of all pairs (e.g. {"private_email":"not_set"}), else "ok".',
      fields: { key: KEY_FIELD, username: USERNAME, host: HOST, password: secretField('Password of the new account') },
      optional: { email: { ...textField('Read by the private_email hook, when the mount has it') } },
      statuses: [401, 403, 409],
      ok: {
        description: '"ok", or the pairs the registration hooks added',
        schema: { anyOf: [OK, { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } }] },
      },
      examples: {
        request: { key: KEY_PLACEHOLDER, username: 'alice', host: EXAMPLE_HOST, password: 's3cret' },
        answers: {
          ok: { summary: 'Registered', value: 'ok' },
          hooks: { summary: 'Registered; the private_email hook could not keep the e-mail', value: { private_email: 'not_set' } },
        },
      },
    },
    async ({ accounts, hooks }, { account, values, input }) => {
      await accounts.register(account, values.password);
      const pairs = await runHooks(hooks, account, {
        body: input.fields,
        log: input.log,
        storePrivate: (element) => accounts.storePrivateText(account, values.password, element),
      });
      return Object.keys(pairs).length === 0 ? 'ok' : pairs;
    },
  ),
  unregister: route(
    {
      method: 'POST',
      summary: 'Remove an account, given its password',
      description: 'A wrong password answers 403 not_allowed; an unknown account 404 not_exists.',
      fields: { key: KEY_FIELD, username: USERNAME, host: HOST, password: secretField("The account's password") },
      statuses: [401, 403, 404],
      ok: { description: '"ok"', schema: OK },
      examples: {
        request: { key: KEY_PLACEHOLDER, username: 'alice', host: EXAMPLE_HOST, password: 's3cret' },
        answers: { ok: { summary: 'Removed', value: 'ok' } },
      },
    },
    async ({ accounts }, { account, values }) => {
      await accounts.unregister(account, values.password);
      return 'ok';
    },
  ),
  change_password: route(
    {
      method: 'POST',
      summary: "Change an account's password, given the old one",
      description: 'The bridge logs in as the account with old_password (a wrong one answers 403 not_allowed).',
      fields: {
        key: KEY_FIELD,
        username: USERNAME,
        host: HOST,
        old_password: secretField('The current password'),
        new_password: secretField('The new password'),
      },
      statuses: [401, 403, 404],
      ok: { description: '"ok"', schema: OK },
      examples: {
        request: { key: KEY_PLACEHOLDER, username: 'alice', host: EXAMPLE_HOST, old_password: 's3cret', new_password: 'n3w-s3cret' },
        answers: { ok: { summary: 'Changed', value: 'ok' } },
      },
    },
    async ({ accounts }, { account, values }) => {
      await accounts.changePassword(account, values.old_password, values.new_password);
      return 'ok';
    },
  ),
  force_change_password: route(
    {
      method: 'POST',
      summary: "Set an account's password without the old one (key required)",
      description: 'An unknown account answers 404 not_exists.',
      fields: { key: KEY_FIELD, username: USERNAME, host: HOST, new_password: secretField('The new password') },
      statuses: [401, 403, 404],
      ok: { description: '"ok"', schema: OK },
      examples: {
        request: { key: KEY_PLACEHOLDER, username: 'alice', host: EXAMPLE_HOST, new_password: 'reset-by-admin' },
        answers: { ok: { summary: 'Set', value: 'ok' } },
      },
    },
    async ({ accounts }, { account, values }) => {
      await accounts.forceChangePassword(account, values.new_password);
      return 'ok';
    },
  ),
  is_registered: route(
    {
      method: 'GET',
      summary: 'Whether an account exists',
      description: "Answers true or false. The key, username and host come in the query string (the key as the mount's security scheme).",
      fields: { key: KEY_FIELD, username: USERNAME, host: HOST },
      statuses: [401, 403],
      ok: { description: 'true or false', schema: { type: 'boolean' } },
      examples: {
        request: { username: 'alice', host: EXAMPLE_HOST },
        answers: {
          yes: { summary: 'The account exists', value: true },
          no: { summary: 'No such account', value: false },
        },
      },
    },
    ({ accounts }, { account }) => accounts.isRegistered(account),
  ),
};

/** Every route of the module, by its path below the mount. */
export type RegisterRoutes = Readonly<Record<string, RegisterRoute>>;
