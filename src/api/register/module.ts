// Module `register` (mod_restful_register): register, unregister, change
// and force-change passwords, and is_registered, for the configured hosts.
// The routes are declared in ./routes.ts; this checks the key, decodes the
// declared fields and the account they name, then runs the route.
import type { Accounts } from '../../accounts/accounts.js';
import type { RegisterMount } from '../../config/config.js';
import { toAccount } from '../../contract/account.js';
import { keyCheck } from '../key.js';
import type { ApiModule } from '../module.js';
import { decodeFields } from '../spec.js';
import type { RegistrationHook } from './hooks.js';
import { privateEmail } from './private-email.js';
import { REGISTER_ROUTES, type RegisterRoutes } from './routes.js';

export const BUILT_IN_HOOKS: Record<RegisterMount['hooks'][number], RegistrationHook> = {
  private_email: privateEmail,
};

export interface RegisterDeps {
  accounts: Accounts;
  hosts: readonly string[];
}

export function registerModule(
  mount: RegisterMount,
  { accounts, hosts }: RegisterDeps,
  routes: RegisterRoutes = REGISTER_ROUTES,
): ApiModule {
  const context = { accounts, hooks: mount.hooks.map((name) => BUILT_IN_HOOKS[name]) };
  const requireKey = keyCheck(mount.key);
  return {
    routes: Object.entries(routes).map(([path, route]) => ({
      method: route.spec.method,
      path,
      summary: route.spec.summary,
      async handle(input) {
        // The key, then the declared fields, then the account they name.
        requireKey(input.fields.key);
        const values = decodeFields(route.spec, input.fields);
        const account = toAccount(values.username ?? '', values.host ?? '', hosts);
        return route.handle(context, { account, values, input });
      },
    })),
  };
}
