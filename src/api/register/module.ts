// Module `register` (mod_restful_register): register, unregister, change
// and force-change passwords, and is_registered, for the configured hosts.
import type { Accounts } from '../../accounts/accounts.js';
import type { RegisterMount } from '../../config/config.js';
import { keyCheck } from '../key.js';
import { requireStrings, toAccount } from '../fields.js';
import type { ApiModule, RouteInput } from '../module.js';
import { runHooks, type RegistrationHook } from './hooks.js';
import { privateEmail } from './private-email.js';

export const BUILT_IN_HOOKS: Record<RegisterMount['hooks'][number], RegistrationHook> = {
  private_email: privateEmail,
};

export interface RegisterDeps {
  accounts: Accounts;
  hosts: readonly string[];
}

export function registerModule(mount: RegisterMount, { accounts, hosts }: RegisterDeps): ApiModule {
  const hooks = mount.hooks.map((name) => BUILT_IN_HOOKS[name]);
  const requireKey = keyCheck(mount.key);

  /** The key, then the named fields, then the account they name. */
  function read<const K extends string>(input: RouteInput, names: readonly K[]) {
    requireKey(input.fields.key);
    const values = requireStrings(input.fields, ['username', 'host', ...names]);
    return { account: toAccount(values.username, values.host, hosts), values };
  }

  return {
    routes: [
      {
        method: 'POST',
        path: 'register',
        summary: 'Register a new account',
        async handle(input) {
          const { account, values } = read(input, ['password']);
          await accounts.register(account, values.password);
          const pairs = await runHooks(hooks, account, {
            body: input.fields,
            log: input.log,
            storePrivate: (element) => accounts.storePrivateText(account, values.password, element),
          });
          return Object.keys(pairs).length === 0 ? 'ok' : pairs;
        },
      },
      {
        method: 'POST',
        path: 'unregister',
        summary: 'Remove an account, given its password',
        async handle(input) {
          const { account, values } = read(input, ['password']);
          await accounts.unregister(account, values.password);
          return 'ok';
        },
      },
      {
        method: 'POST',
        path: 'change_password',
        summary: "Change an account's password, given the old one",
        async handle(input) {
          const { account, values } = read(input, ['old_password', 'new_password']);
          await accounts.changePassword(account, values.old_password, values.new_password);
          return 'ok';
        },
      },
      {
        method: 'POST',
        path: 'force_change_password',
        summary: "Set an account's password without the old one (key required)",
        async handle(input) {
          const { account, values } = read(input, ['new_password']);
          await accounts.forceChangePassword(account, values.new_password);
          return 'ok';
        },
      },
      {
        method: 'GET',
        path: 'is_registered',
        summary: 'Whether an account exists',
        async handle(input) {
          const { account } = read(input, []);
          return accounts.isRegistered(account);
        },
      },
    ],
  };
}
