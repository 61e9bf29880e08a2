// What an admin mount may run, as GET <mount>/commands lists it and the API
// page documents it: the module's own commands, then the server's (ejabberd
// 25.03+ with mod_adhoc_api) with their arguments in order, ejabberd's types
// and the result's shape. One listing, so the two never differ.
import type { ApiCommand } from '../../accounts/api-commands.js';
import { typeText } from '../../backends/ejabberd/adhoc-api/spec.js';
import { answeredType } from '../../backends/ejabberd/adhoc-api/values.js';
import { COMMANDS, commandNamed } from './commands.js';

// Types, not interfaces: they are JSON answers (assignable to Json).
export type ListedArgument = {
  name: string;
  /** ejabberd's type: binary, string, integer, `[ x::binary ]` for a list, `{ a::binary, ... }` for a tuple. */
  type: string;
  list: boolean;
  optional?: boolean;
  description?: string;
};

export type ListedCommand = {
  name: string;
  description: string;
  args: ListedArgument[];
  /** The result's shape, for people. */
  result: string;
  /** false: not in the bridge's catalogue (a newer server): arguments go as strings, results untyped. */
  typed: boolean;
  note?: string;
};

const UNTYPED_NOTE = "not in the bridge's catalogue (a newer server?): arguments are sent as strings, results are strings, tuples arrays in element order";

/** The commands `allowed` admits: the module's own, then those of `server` it does not map itself. */
export function commandListing(allowed: (name: string) => boolean, server: Iterable<ApiCommand>): ListedCommand[] {
  const own = Object.entries(COMMANDS)
    .filter(([name]) => allowed(name))
    .map(([name, command]): ListedCommand => ({
      name,
      description: command.summary,
      args: command.args.map((spec) => ({
        name: spec.replace(/\?$/, ''),
        type: spec.startsWith('fields') ? 'object' : 'string',
        list: false,
        ...(spec.endsWith('?') ? { optional: true } : {}),
      })),
      result: command.result,
      typed: true,
    }));
  const others = [...server].filter((c) => allowed(c.name) && !commandNamed(c.name)).map(listed);
  return [...own, ...others];
}

function listed(command: ApiCommand): ListedCommand {
  return {
    name: command.name,
    description: command.desc,
    args: command.args.map((arg) => ({
      name: arg.name,
      type: arg.type === undefined ? 'string' : typeText(arg.type),
      list: arg.type !== undefined && typeof arg.type !== 'string' && 'list' in arg.type,
      ...(arg.desc === undefined ? {} : { description: arg.desc }),
    })),
    result: command.spec === undefined ? 'untyped' : typeText(answeredType(command.spec.result.type)),
    typed: command.spec !== undefined,
    ...(command.spec === undefined ? { note: UNTYPED_NOTE } : {}),
  };
}
