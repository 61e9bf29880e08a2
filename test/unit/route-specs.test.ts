// Routes are declared once (src/api/register/routes.ts): a change to a
// route's spec is followed by both request validation and the OpenAPI
// document, with nothing else edited.
import { expect } from 'chai';
import type { Accounts } from '../../src/accounts/accounts.js';
import { readCommandArgs } from '../../src/api/admin/args.js';
import { specOfDescribed, type CommandSpec } from '../../src/api/admin/command-spec.js';
import { COMMANDS } from '../../src/api/admin/commands.js';
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

function unregisterRoute(routes: RegisterRoutes) {
  const route = registerModule(mount, { accounts, hosts: ['localhost'] }, routes).routes.find((r) => r.path === 'unregister');
  if (!route) throw new Error('no unregister route');
  return (fields: Record<string, unknown>) =>
    route.handle({ fields: { key: KEY, ...fields }, authorization: undefined, client: '127.0.0.1', log: undefined as never }).then(
      (answer) => answer,
      (error: unknown) => (error instanceof Refusal ? `${error.reason}: ${error.detail}` : error),
    );
}

function unregisterBody(routes: RegisterRoutes | undefined) {
  const document = openApiDocument({ basePath: '/api', mounts: [mount], metricsOnMain: false, registerRoutes: routes }) as {
    paths: Record<string, { post: { requestBody: { content: { 'application/json': { schema: { required: string[]; properties: Record<string, unknown> } } } } } }>;
  };
  return document.paths['/api/register/unregister']?.post.requestBody.content['application/json'].schema;
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

    const admin: AdminMount = { module: 'admin', path: 'admin', key: KEY, allowedCommands: ['register', 'set_presence_count'], allowedNodes: [] };
    const commands = [...Object.values(COMMANDS).map((c) => c.spec), discovered];
    const document = openApiDocument({ basePath: '/api', mounts: [admin], metricsOnMain: false, commands }) as {
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
