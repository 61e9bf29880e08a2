// Routes are declared once (src/api/register/routes.ts): a change to a
// route's spec is followed by both request validation and the OpenAPI
// document, with nothing else edited.
import { expect } from 'chai';
import type { Accounts } from '../../src/accounts/accounts.js';
import { registerModule } from '../../src/api/register/module.js';
import { REGISTER_ROUTES, type RegisterRoutes } from '../../src/api/register/routes.js';
import { textField } from '../../src/api/spec.js';
import type { RegisterMount } from '../../src/config/config.js';
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
});
