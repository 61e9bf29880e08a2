// Module `admin` (mod_restful_admin): POST {"command": NAME, "args": [...]}
// runs a server command. Authorised by the mount's key when it has one, else
// by HTTP Basic credentials of an XMPP administrator; then the allow-list,
// then the arguments, before anything reaches the XMPP server.
import type { Logger } from 'pino';
import type { AdminLogin } from '../../admin/login.js';
import type { ApiCommand, ApiCommands } from '../../admin/api-commands.js';
import { Refusal } from '../../contract/refusal.js';
import { describeMissing, type OfferedNodes, type ServerCapabilities } from '../../admin/capabilities.js';
import type { Authority, ServerCommands } from '../../admin/server-commands.js';
import { commandListing } from './listing.js';
import type { AdminMount } from '../../config/config.js';
import type { CredentialRevocations } from '../../shared/credential-revocations.js';
import { keyCheck } from '../key.js';
import type { ApiModule, RouteInput } from '../module.js';
import { readCommandArgs } from './args.js';
import { BasicAuth } from './basic-auth.js';
import { commandNamed, COMMANDS } from './commands.js';
import { nodeMatcher } from './node-patterns.js';

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

export function adminModule(mount: AdminMount, deps: AdminDeps): ApiModule {
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

  return {
    routes: [
      {
        method: 'POST',
        path: '',
        summary: 'Run a server command: {"command": NAME, "args": [...]}',
        async handle(input) {
          const authority = await authorise(input);
          const name = input.fields.command;
          if (typeof name !== 'string' || name === '') {
            throw new Refusal('bad_request', 'command must be a non-empty string naming a server command');
          }
          if (!allowed(name)) throw new Refusal('not_allowed', 'this command is not in allowed_commands of this mount');
          const command = commandNamed(name);
          // Any other name is the server's own command (ejabberd 25.03+ with mod_adhoc_api).
          if (command === undefined) {
            if (!(await deps.apiCommands.knows(name))) {
              throw new Refusal('bad_request', `unknown command; known: ${Object.keys(COMMANDS).join(', ')}, and the server's own that GET <mount>/commands lists`);
            }
            return deps.apiCommands.run(authority, name, input.fields.args);
          }
          const args = readCommandArgs(command.spec, input.fields.args);
          return command.run({ server, authority, hosts, nodeAllowed }, args);
        },
      },
      {
        method: 'GET',
        path: 'commands',
        summary: 'The commands this mount may run on the connected server, with their arguments and results',
        async handle(input) {
          const authority = await authorise(input);
          const offered = await deps.apiCommands.list(authority, allowed).catch((error: unknown) => {
            // Without mod_adhoc_api the module's own commands are still listed.
            if (error instanceof Refusal && error.reason === 'not_supported') return [];
            throw error;
          });
          return { commands: commandListing(allowed, offered) };
        },
      },
    ],
  };
}

