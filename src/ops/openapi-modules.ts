// What each module does, in the contract's words (../shared/docs/CONTRACT.md,
// "Module register", "Module admin", "Keys"), as Markdown for the OpenAPI
// document's tags: the API page shows it above each mount's routes.
import type { Mount } from '../config/config.js';
import { KEY_PLACEHOLDER } from './openapi-examples.js';

const REGISTER = `Accounts over XEP-0077 in-band registration, as mod_restful's \`register\` module.
All routes but \`is_registered\` are POST with a JSON body; \`is_registered\` takes its fields in the query string.

- \`register\`: creates username@host. After success the registration hooks run; if any adds a pair the
  answer is the object of all pairs (e.g. \`{"private_email":"not_set"}\`), else \`"ok"\`.
- \`unregister\`, \`change_password\`: need the account's password (a wrong one: 403 \`not_allowed\`).
- \`force_change_password\`: sets a password without the old one.
- \`is_registered\`: \`true\` or \`false\`.

\`username\` is normalised with nodeprep and \`host\` with nameprep (failing: 400 \`stringprep\`); \`host\` must be
one of the bridge's hosts (else 403). A missing or empty field is 400 \`missing_parameters\`. Fields a request does
not use are ignored.`;

const ADMIN = `Server commands, as mod_restful's \`admin\` module: \`{"command": NAME, "args": [...]}\` runs an ejabberd
command with its positional arguments, carried out as XEP-0133 ad-hoc commands. A command outside the mount's
\`allowed_commands\` answers 403 \`not_allowed\` (no list: nothing is allowed); an unknown command or wrong
arguments 400 \`bad_request\` with a \`detail\`. Results keep ejabberd's command result shapes: \`{"ok": text}\` or
\`{"error": text}\` for a result tuple, a string, an integer, a list as an array, a record as an object.`;

/** How a mount is authorised, for its tag. */
function authorisation(mount: Mount): string {
  if (mount.module === 'admin' && mount.key === undefined) {
    return "**Authorisation:** HTTP Basic credentials of an account the XMPP server treats as an administrator (the JID as user name, e.g. `admin@localhost`); a missing or wrong one answers 401 with `WWW-Authenticate`.";
  }
  const refusesAll = mount.key === undefined ? ' **This mount has no key configured: it refuses every request (401).**' : '';
  return (
    "**Authorisation:** the mount's key, as `key` in the JSON body (POST) or `key=` in the query (GET), compared in " +
    'constant time; a missing or wrong key answers 401 `{"error":"not_allowed"}`. On this page, type it once into ' +
    `**Authorize**: it fills in the query, and the \`${KEY_PLACEHOLDER}\` placeholder of request bodies.${refusesAll}`
  );
}

/** The Markdown description of a mount's tag. */
export function mountDescription(mount: Mount, basePath: string): string {
  const module = mount.module === 'register' ? REGISTER : ADMIN;
  return `Module \`${mount.module}\` mounted at \`${basePath}/${mount.path}\`.\n\n${module}\n\n${authorisation(mount)}`;
}
