// Every server back end the bridge has. Adding a server is an addition: its
// back end module, its entry here and its name in ./kinds.ts.
import type { BackendEntry } from './backend.js';
import { EJABBERD } from './ejabberd.js';
import type { ServerKind } from './kinds.js';
import { PROSODY } from './prosody.js';

/** The first one is used for a server that does not say what it is. */
export const BACKENDS: readonly BackendEntry[] = [EJABBERD, PROSODY];

export function backendNamed(kind: ServerKind): BackendEntry {
  const entry = BACKENDS.find((b) => b.kind === kind);
  if (!entry) throw new Error(`no back end for ${kind}`);
  return entry;
}

/** The back end for a server that names itself `name`, if any. */
export function backendRecognising(name: string): BackendEntry | undefined {
  return BACKENDS.find((b) => b.recognises(name));
}
