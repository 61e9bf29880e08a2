// Module `admin` (mod_restful_admin): POST {"command": NAME, "args": [...]}
// runs a server command. Authorised by the mount's key when it has one, else
// by HTTP Basic credentials of an XMPP administrator; then the allow-list,
// then the arguments, before anything reaches the XMPP server.
import type { Logger } from 'pino';
import type { AdminLogin } from '../../admin/login.js';
import { Refusal } from '../../contract/refusal.js';
import { describeMissing, type OfferedNodes, type ServerCapabilities } from '../../admin/capabilities.js';
import type { Authority, ServerCommands } from '../../admin/server-commands.js';
import type { AdminMount } from '../../config/config.js';
import type { CredentialRevocations } from '../../shared/credential-revocations.js';
import { keyCheck } from '../key.js';
import type { ApiModule, RouteInput } from '../module.js';
import { readCommandArgs } from './args.js';
import { BasicAuth } from './basic-auth.js';
import { commandNamed, COMMANDS } from './commands.js';
import { nodeMatcher } from './node-patterns.js';

export interface AdminDeps {
  server: ServerCommands;
  adminLogin: AdminLogin;
  /** What Basic credentials remembered by this mount are subject to. */
  revocations: CredentialRevocations;
  capabilities: ServerCapabilities;
  hosts: readonly string[];
  log: Logger;
}

export function adminModule(mount: AdminMount, deps: AdminDeps): ApiModule {
  const { server, hosts } = deps;
  const log = deps.log.child({ component: 'admin', mount: mount.path });
  const basic = mount.key === undefined ? new BasicAuth({ login: deps.adminLogin, revocations: deps.revocations, hosts }) : undefined;
  const requireKey = keyCheck(mount.key);
  const nodeAllowed = nodeMatcher(mount.allowedNodes);
  const allowed = new Set(mount.allowedCommands);

  for (const name of allowed) {
    if (!commandNamed(name)) log.warn({ command: name, known: Object.keys(COMMANDS) }, 'unknown admin command in allowed_commands');
  }
  if (allowed.has('adhoc') && mount.allowedNodes.length === 0) {
    log.warn('adhoc is allowed but allowed_nodes is empty: it can run no node');
  }
  deps.capabilities.on('discovered', (offered) => warnUnsupported(offered));

  /** Says, on every (re)connect, which allowed commands this server cannot serve. */
  function warnUnsupported(offered: OfferedNodes): void {
    for (const name of allowed) {
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
          if (!allowed.has(name)) throw new Refusal('not_allowed', 'this command is not in allowed_commands of this mount');
          const command = commandNamed(name);
          if (command === undefined) {
            throw new Refusal('bad_request', `unknown command; known: ${Object.keys(COMMANDS).join(', ')}`);
          }
          const args = readCommandArgs(command.spec, input.fields.args);
          return command.run({ server, authority, hosts, nodeAllowed }, args);
        },
      },
    ],
  };
}
