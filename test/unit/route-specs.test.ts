// Routes are declared once (src/api/register/routes.ts,
// src/api/admin/routes.ts): a change to a route's spec is followed by both
// request validation and the OpenAPI document, with nothing else edited.
import { expect } from 'chai';
import { pino } from 'pino';
import type { Accounts } from '../../src/accounts/accounts.js';
import { readCommandArgs } from '../../src/api/admin/args.js';
import { specOfDescribed, type CommandSpec } from '../../src/api/admin/command-spec.js';
import { COMMANDS } from '../../src/api/admin/commands.js';
import { adminModule, type AdminDeps } from '../../src/api/admin/module.js';
import { ADMIN_ROUTES, type AdminRoutes } from '../../src/api/admin/routes.js';
import type { Route } from '../../src/api/module.js';
import { registerModule } from '../../src/api/register/module.js';
import { REGISTER_ROUTES, type RegisterRoutes } from '../../src/api/register/routes.js';
import { textField } from '../../src/api/spec.js';
import type { AdminMount, RegisterMount } from '../../src/config/config.js';
import { Refusal } from '../../src/contract/refusal.js';
import { openApiDocument } from '../../src/ops/openapi.js';

const KEY = 'a-key';
const mount: RegisterMount = { module: 'register', path: 'register', key: KEY, hooks: [] };
const removed: string[] = [];
const accounts = {
  unregister: (account: { username: string }) => {
    removed.push(account.username);
    return Promise.resolve();
  },
} as unknown as Accounts;

/** Calls a route with the mount's key and these fields; a refusal answers as "reason: detail". */
function caller(route: Route) {
  return (fields: Record<string, unknown>) =>
    route.handle({ fields: { key: KEY, ...fields }, authorization: undefined, client: '127.0.0.1', log: undefined as never }).then(
      (answer) => answer,
      (error: unknown) => (error instanceof Refusal ? `${error.reason}: ${error.detail}` : error),
    );
}

function unregisterRoute(routes: RegisterRoutes) {
  const route = registerModule(mount, { accounts, hosts: ['localhost'] }, routes).routes.find((r) => r.path === 'unregister');
  if (!route) throw new Error('no unregister route');
  return caller(route);
}

function unregisterBody(routes: RegisterRoutes | undefined) {
  const document = openApiDocument({ basePath: '/api', mounts: [mount], registerRoutes: routes }) as {
    paths: Record<string, { post: { requestBody: { content: { 'application/json': { schema: { required: string[]; properties: Record<string, unknown> } } } } } }>;
  };
  return document.paths['/api/register/unregister']?.post.requestBody.content['application/json'].schema;
}

const admin: AdminMount = { module: 'admin', path: 'admin', key: KEY, allowedCommands: ['register'], allowedNodes: [] };
const adminDeps = {
  hosts: ['localhost'],
  log: pino({ level: 'silent' }),
  capabilities: { on: () => undefined },
  apiCommands: { on: () => undefined },
} as unknown as AdminDeps;

/** POST <mount> on a keyed admin mount with these routes, answering the refusal as "reason: detail". */
function runCommand(routes: AdminRoutes) {
  const route = adminModule(admin, adminDeps, { ...ADMIN_ROUTES, key: routes }).routes.find((r) => r.method === 'POST' && r.path === '');
  if (!route) throw new Error('no command route');
  return caller(route);
}

function commandOperation(routes: AdminRoutes | undefined) {
  const document = openApiDocument({
    basePath: '/api',
    mounts: [admin],
    adminRoutes: routes === undefined ? undefined : { ...ADMIN_ROUTES, key: routes },
  }) as {
    paths: Record<
      string,
      { post: { description: string; requestBody: { content: { 'application/json': { schema: { required: string[]; properties: Record<string, unknown> } } } } } }
    >;
  };
  const operation = document.paths['/api/admin']?.post;
  return { description: operation?.description, body: operation?.requestBody.content['application/json'].schema };
}

describe('route specs', () => {
  it('drive validation and the OpenAPI document: a field added to a spec is required by both', async () => {
    const fields = { username: 'alice', host: 'localhost', password: 's3cret' };
    expect(await unregisterRoute(REGISTER_ROUTES)(fields)).to.equal('ok');
    expect(unregisterBody(undefined)?.required).to.deep.equal(['key', 'username', 'host', 'password']);

    const changed: RegisterRoutes = {
      ...REGISTER_ROUTES,
      unregister: {
        ...REGISTER_ROUTES.unregister,
        spec: { ...REGISTER_ROUTES.unregister.spec, fields: { ...REGISTER_ROUTES.unregister.spec.fields, reason: textField('Why the account goes') } },
      },
    };
    const run = unregisterRoute(changed);
    expect(await run(fields)).to.equal('missing_parameters: missing or empty: reason');
    expect(await run({ ...fields, reason: 7 })).to.equal('bad_request: reason must be a string');
    expect(await run({ ...fields, reason: 'a\u0000b' })).to.match(/^bad_request: reason /);
    expect(await run({ ...fields, reason: 'moving away' })).to.equal('ok');

    const body = unregisterBody(changed);
    expect(body?.required).to.deep.equal(['key', 'username', 'host', 'password', 'reason']);
    expect(body?.properties.reason).to.deep.equal({ type: 'string', description: 'Why the account goes', minLength: 1 });
  });

  it("drive an admin route's validation and its OpenAPI operation: a field and a description changed in its spec are followed by both", async () => {
    // A command outside allowed_commands is refused after the fields are decoded.
    const fields = { command: 'unregister', args: ['alice', 'localhost'] };
    const notAllowed = 'not_allowed: this command is not in allowed_commands of this mount';
    expect(await runCommand(ADMIN_ROUTES.key)(fields)).to.equal(notAllowed);
    expect(await runCommand(ADMIN_ROUTES.key)({ command: 7 })).to.equal('bad_request: command must be a non-empty string naming a server command');
    expect(commandOperation(undefined).body?.required).to.deep.equal(['command', 'key']);
    expect(Object.keys(commandOperation(undefined).body?.properties ?? {})).to.deep.equal(['command', 'key', 'args']);

    const { spec } = ADMIN_ROUTES.key.command;
    const changed: AdminRoutes = {
      ...ADMIN_ROUTES.key,
      command: {
        ...ADMIN_ROUTES.key.command,
        spec: { ...spec, description: 'Runs a command, saying why.', fields: { ...spec.fields, reason: textField('Why the command is run') } },
      },
    };
    const run = runCommand(changed);
    expect(await run(fields)).to.equal('missing_parameters: missing or empty: reason');
    expect(await run({ ...fields, reason: ['x'] })).to.equal('bad_request: reason must be a string');
    expect(await run({ ...fields, reason: 'clean-up' })).to.equal(notAllowed);

    const { description, body } = commandOperation(changed);
    expect(description).to.equal('Runs a command, saying why.');
    expect(body?.required).to.deep.equal(['command', 'key', 'reason']);
    expect(body?.properties.reason).to.deep.equal({ type: 'string', description: 'Why the command is run', minLength: 1 });
  });

  it('drive admin argument validation and the OpenAPI entry of a command described at run time', () => {
    // As ejabberd's mod_adhoc_api would describe a command: names, argument names in order, types, result.
    const discovered: CommandSpec = {
      name: 'set_presence_count',
      summary: 'A made-up command with a list of tuples',
      args: [
        { name: 'host', type: 'string' },
        { name: 'limit', type: 'integer' },
        { name: 'items', type: { list: { name: 'item', type: { tuple: [{ name: 'jid', type: 'string' }, { name: 'weight', type: 'integer' }] } } } },
      ],
      result: { kind: 'value', value: { name: 'count', type: 'integer' } },
      example: { args: ['localhost', 3, [{ jid: 'a@localhost', weight: 1 }]], result: 1 },
    };
    const reasonOf = (given: unknown) => {
      try {
        readCommandArgs(discovered, given);
        return 'ok';
      } catch (error) {
        return error instanceof Refusal ? `${error.reason}: ${error.detail}` : String(error);
      }
    };
    expect(reasonOf(['localhost', 3, [{ jid: 'a@localhost', weight: 1 }]])).to.equal('ok');
    expect(reasonOf(['localhost', 3])).to.equal('bad_request: set_presence_count takes args [host, limit, items]; got 2');
    expect(reasonOf(['localhost', '3', []])).to.match(/^bad_request: args\[1\] \(limit\) must be an integer/);
    expect(reasonOf(['localhost', 3, [{ jid: 'a@localhost', weight: 'x' }]])).to.match(/must be an integer/);
    expect(readCommandArgs(discovered, ['localhost', 3, []]).value('limit')).to.equal(3);

    const mount: AdminMount = { ...admin, allowedCommands: ['register', 'set_presence_count'] };
    const commands = [...Object.values(COMMANDS).map((c) => c.spec), discovered];
    const document = openApiDocument({ basePath: '/api', mounts: [mount], commands }) as {
      paths: Record<string, { post: Record<string, unknown> & { requestBody: { content: { 'application/json': { examples: Record<string, unknown> } } } } }>;
    };
    const operation = document.paths['/api/admin']?.post;
    const entry = (operation?.['x-commands'] as Record<string, { signature: string; args: { prefixItems: unknown[]; minItems: number } }>)
      .set_presence_count;
    expect(entry?.signature).to.equal('set_presence_count takes args [host, limit, items]');
    expect(entry?.args.minItems).to.equal(3);
    expect(entry?.args.prefixItems[2]).to.deep.include({ type: 'array', title: 'items' });
    expect(Object.keys(operation?.requestBody.content['application/json'].examples ?? {})).to.deep.equal(['register', 'set_presence_count']);
  });

  it('turn a command described in ejabberd\'s command API terms into a command spec', () => {
    const spec = specOfDescribed({
      name: 'get_roster',
      desc: 'Get list of contacts for a local user',
      args: [
        { name: 'user', type: 'binary', desc: 'Username' },
        { name: 'host', type: 'binary' },
      ],
      result: {
        name: 'contacts',
        type: { list: { name: 'contact', type: { tuple: [{ name: 'jid', type: 'string' }, { name: 'groups', type: { list: { name: 'group', type: 'string' } } }] } } },
      },
    });
    expect(spec.args).to.deep.equal([
      { name: 'user', type: 'binary', description: 'Username' },
      { name: 'host', type: 'binary' },
    ]);
    expect(readCommandArgs(spec, ['alice', 'localhost']).text('user')).to.equal('alice');
    expect(spec.result).to.deep.include({ kind: 'value' });
    expect(specOfDescribed({ name: 'x', desc: '', args: [], result: { name: 'res', type: 'rescode' } }).result).to.deep.equal({ kind: 'rescode' });
  });
});
