// Every server back end the bridge has. Adding a server is an addition: its
// folder under backends/ (its entry, ../backend.ts's BackendEntry) and one
// line here; `xmpp.server` and the README's table follow from this list.
import type { BackendEntry } from './backend.js';
import { EJABBERD } from './ejabberd/backend.js';
import { PROSODY } from './prosody/backend.js';

/** The first one is used for a server that does not say what it is. */
export const BACKENDS = [EJABBERD, PROSODY] as const;

/** The servers the bridge has a back end for, by the name the configuration uses (`xmpp.server`). */
export type ServerKind = (typeof BACKENDS)[number]['kind'];

/** `xmpp.server`: a back end by name, or `auto` (asked of the server at connect time). */
export type ServerChoice = ServerKind | 'auto';

export const SERVER_KINDS: readonly ServerKind[] = BACKENDS.map((entry) => entry.kind);

export function backendNamed(kind: ServerKind): BackendEntry {
  const entry = BACKENDS.find((b) => b.kind === kind);
  if (!entry) throw new Error(`no back end for ${kind}`);
  return entry;
}

/** The back end for a server that names itself `name`, if any. */
export function backendRecognising(name: string): BackendEntry | undefined {
  return BACKENDS.find((b) => b.recognises(name));
}
