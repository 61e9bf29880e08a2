// Module `admin` (mod_restful_admin): POST {"command": NAME, "args": [...]}
// runs a server command. The routes are declared in ./routes.ts; this
// authorises the caller by the mount's key when it has one, else by HTTP
// Basic credentials of an XMPP administrator, decodes the declared fields,
// then runs the route (the allow-list, then the arguments, before anything
// reaches the XMPP server).
import type { Logger } from 'pino';
import type { AdminLogin } from '../../admin/login.js';
import type { ApiCommand, ApiCommands } from '../../admin/api-commands.js';
import { describeMissing, type OfferedNodes, type ServerCapabilities } from '../../admin/capabilities.js';
import type { Authority, ServerCommands } from '../../admin/server-commands.js';
import type { AdminMount } from '../../config/config.js';
import type { CredentialRevocations } from '../../shared/credential-revocations.js';
import { keyCheck } from '../key.js';
import type { ApiModule, RouteInput } from '../module.js';
import { decodeFields } from '../spec.js';
import { BasicAuth } from './basic-auth.js';
import { commandNamed, COMMANDS } from './commands.js';
import { nodeMatcher } from './node-patterns.js';
import { ADMIN_ROUTES, authOf, type AdminAuth, type AdminContext, type AdminRoutes } from './routes.js';

/** Logged at start-up for a mount whose allowed_commands has '*'. */
export const EVERY_COMMAND_WARNING =
  "allowed_commands '*' lets this mount's callers run every command the XMPP server offers the bridge's account " +
  '(on ejabberd 25.03+ with mod_adhoc_api: all of its API, such as unregister, ban_account, send_message, stop_kindly); ' +
  'list the commands the callers need instead';

export interface AdminDeps {
  server: ServerCommands;
  adminLogin: AdminLogin;
  /** What Basic credentials remembered by this mount are subject to. */
  revocations: CredentialRevocations;
  capabilities: ServerCapabilities;
  /** Commands by name beyond the module's own (ejabberd's API over mod_adhoc_api). */
  apiCommands: ApiCommands;
  hosts: readonly string[];
  log: Logger;
}

export function adminModule(mount: AdminMount, deps: AdminDeps, routes: Readonly<Record<AdminAuth, AdminRoutes>> = ADMIN_ROUTES): ApiModule {
  const { server, hosts } = deps;
  const log = deps.log.child({ component: 'admin', mount: mount.path });
  const basic = mount.key === undefined ? new BasicAuth({ login: deps.adminLogin, revocations: deps.revocations, hosts }) : undefined;
  const requireKey = keyCheck(mount.key);
  const nodeAllowed = nodeMatcher(mount.allowedNodes);
  // Exact names and glob patterns (`get_*`, `*`): nothing is allowed unless listed.
  const allowed = nodeMatcher(mount.allowedCommands);
  const patterns = mount.allowedCommands.filter((c) => c.includes('*'));
  const literals = mount.allowedCommands.filter((c) => !c.includes('*'));

  if (patterns.includes('*')) log.warn({ allowed_commands: '*' }, EVERY_COMMAND_WARNING);
  if (allowed('adhoc') && mount.allowedNodes.length === 0) {
    log.warn('adhoc is allowed but allowed_nodes is empty: it can run no node');
  }
  deps.capabilities.on('discovered', (offered) => warnUnsupported(offered));
  deps.apiCommands.on('learned', (commands) => warnUnknown(commands));

  /** Says, once the server's commands are known, which listed names it lacks and what the patterns open. */
  function warnUnknown(commands: ReadonlyMap<string, ApiCommand>): void {
    for (const name of literals) {
      if (!commandNamed(name) && !commands.has(name)) {
        log.warn({ command: name, known: Object.keys(COMMANDS), serverCommands: commands.size }, 'unknown admin command in allowed_commands');
      }
    }
    if (patterns.length > 0) {
      const opened = [...new Set([...Object.keys(COMMANDS), ...commands.keys()])].filter((name) => allowed(name));
      log.info({ patterns, commands: opened }, 'admin commands that allowed_commands patterns admit on this server');
    }
  }

  /** Says, on every (re)connect, which allowed commands this server cannot serve. */
  function warnUnsupported(offered: OfferedNodes): void {
    for (const name of literals) {
      const operation = commandNamed(name)?.operation;
      if (operation === undefined) continue;
      const missing = server.missingFor(operation, offered);
      if (missing.length === 0) continue;
      log.warn(
        { command: name, missing: missing.map(describeMissing), modules: [...new Set(missing.map((m) => m.module))] },
        'admin command not supported by the XMPP server',
      );
    }
  }

  async function authorise(input: RouteInput): Promise<Authority> {
    if (basic === undefined) {
      requireKey(input.fields.key);
      return { kind: 'bridge' };
    }
    return { kind: 'admin', grant: await basic.authenticate(input.authorization, input.client) };
  }

  const context: AdminContext = { allowed, apiCommands: deps.apiCommands, commands: { server, hosts, nodeAllowed } };
  return {
    routes: Object.values(routes[authOf(mount)]).map((route) => ({
      method: route.spec.method,
      path: route.path,
      summary: route.spec.summary,
      async handle(input) {
        // Who is asking, then the declared fields, then the route.
        const authority = await authorise(input);
        const values = decodeFields(route.spec, input.fields);
        return route.handle(context, { authority, values, input });
      },
    })),
  };
}
