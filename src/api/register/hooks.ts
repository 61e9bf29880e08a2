// Registration hooks (mod_restful's mod_restful_register_registered): after
// a successful registration each hook may add key/value pairs to the answer.
// With no pairs the answer stays "ok". A failing hook never undoes the
// registration; it reports its own pair instead.
import type { Logger } from 'pino';
import type { Account } from '../../contract/account.js';

export type HookValue = string | number | boolean;

export interface HookContext {
  /** The registration request's body, extra fields included. */
  body: Record<string, unknown>;
  /** Stores one text element in the new account's private XML storage (XEP-0049). */
  storePrivate: (element: { name: string; namespace: string; text: string }) => Promise<void>;
  log: Logger;
}

export interface RegistrationHook {
  /** Also the key reported when the hook throws. */
  name: string;
  run(account: Account, context: HookContext): Promise<Record<string, HookValue> | undefined>;
}

export async function runHooks(
  hooks: readonly RegistrationHook[],
  account: Account,
  context: HookContext,
): Promise<Record<string, HookValue>> {
  const pairs: Record<string, HookValue> = {};
  for (const hook of hooks) {
    try {
      Object.assign(pairs, await hook.run(account, context));
    } catch (error) {
      context.log.warn({ hook: hook.name, err: (error as Error).message }, 'registration hook failed');
      pairs[hook.name] = 'failed';
    }
  }
  return pairs;
}
