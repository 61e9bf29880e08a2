// The committed catalogue of ejabberd API command specs (./catalogue.json),
// made by scripts/command-catalogue.ts from `ejabberdctl help` of the newest
// supported ejabberd. A command it does not know (a newer server) still
// runs: its arguments are strings and its results are read without names.
import committed from './catalogue.json' with { type: 'json' };
import type { CommandSpec } from './spec.js';

export interface Catalogue {
  /** The ejabberd version the specs were read from. */
  ejabberd: string;
  commands: Record<string, CommandSpec>;
}

export const CATALOGUE: Catalogue = committed;

/** The spec of `command`, or undefined when the catalogue does not know it. */
export function knownSpec(command: string): CommandSpec | undefined {
  return Object.hasOwn(CATALOGUE.commands, command) ? CATALOGUE.commands[command] : undefined;
}
