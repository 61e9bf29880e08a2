// Built-in hook `private_email` (after mod_restful's mod_private_email):
// keeps the e-mail address sent with a registration in the new user's
// private XML storage, where only that user (and the server) can read it.
import type { RegistrationHook } from './hooks.js';

export const PRIVATE_EMAIL_NS = 'urn:ejabberd-restful:private-email';

const NOT_SET = { private_email: 'not_set' } as const;

/** Deliberately loose: one @, no spaces or XML-special characters, a dot in the domain. */
const EMAIL = /^[^\s@<>&"'()[\]\\,;:]{1,64}@[^\s@<>&"'()[\]\\,;:]+\.[^\s@<>&"'()[\]\\,;:.]+$/u;

export function isPlausibleEmail(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 254 && EMAIL.test(value) && !/\p{Cc}/u.test(value);
}

export const privateEmail: RegistrationHook = {
  name: 'private_email',
  async run(account, { body, storePrivate, log }) {
    if (!isPlausibleEmail(body.email)) return NOT_SET;
    try {
      await storePrivate({ name: 'email', namespace: PRIVATE_EMAIL_NS, text: body.email });
      return undefined;
    } catch (error) {
      log.warn({ account: `${account.username}@${account.host}`, err: (error as Error).message }, 'storing the private e-mail failed');
      return NOT_SET;
    }
  },
};
