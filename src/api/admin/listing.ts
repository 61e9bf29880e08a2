// What an admin mount may run, as GET <mount>/commands lists it and the API
// page documents it: the module's own commands, then the server's (ejabberd
// 25.03+ with mod_adhoc_api) with their arguments in order, ejabberd's types
// and the result's shape. One listing, so the two never differ.
import type { ApiCommand } from '../../admin/api-commands.js';
import { typeText } from '../../backends/ejabberd/adhoc-api/spec.js';
import { answeredType } from '../../backends/ejabberd/adhoc-api/values.js';
import { specOfDescribed, type CommandSpec, type ResultSpec } from './command-spec.js';
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
  const own = Object.values(COMMANDS)
    .filter(({ spec }) => allowed(spec.name))
    .map(({ spec }): ListedCommand => ({
      name: spec.name,
      description: spec.summary,
      args: spec.args.map((arg) => ({
        name: arg.name,
        type: arg.type === 'fields' ? 'object' : typeText(arg.type),
        list: typeof arg.type !== 'string' && 'list' in arg.type,
        ...(arg.optional ? { optional: true } : {}),
      })),
      result: resultText(spec.result),
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

function resultText(result: ResultSpec): string {
  return result.kind === 'value' ? typeText(result.value.type === 'fields' ? 'object' : result.value.type) : result.kind;
}

/**
 * The server's commands (those the module does not map itself) as command
 * specs, so the API document shows them as it shows the built-in ones. A
 * command the catalogue does not know takes strings and answers text.
 */
export function serverCommandSpecs(learned: Iterable<ApiCommand>): CommandSpec[] {
  return [...learned]
    .filter((command) => !commandNamed(command.name))
    .map((command) =>
      specOfDescribed({
        name: command.name,
        desc: command.desc,
        args: command.args.map((arg) => ({ name: arg.name, type: arg.type ?? 'string', ...(arg.desc === undefined ? {} : { desc: arg.desc }) })),
        result: command.spec === undefined ? { name: 'result', type: 'string' } : { name: command.spec.result.name, type: answeredType(command.spec.result.type) },
      }),
    );
}
