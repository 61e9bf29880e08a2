// The server versions the contract suites run against (register, admin,
// protected accounts, the example configs, the same-name race): the host's
// ejabberd and Prosody (Debian 12) and those of the Debian 13 roots that
// scripts/install-servers makes. Each is named by the version really
// installed (dpkg-query, in the root or on the host), read once when a test
// file is loaded, so every test name says what it ran against. A missing
// root is not skipped: its suites fail in their `before` hook, saying how to
// make it.
import type { ServerKind } from '../../src/backends/registry.js';
import { findRoot, installedPackageVersion, ROOTS, upstreamVersion, type RootName } from '../harness/debian-root.js';

export interface ServerVersion {
  kind: ServerKind;
  /** The Debian root the server comes from; undefined: the host's package. */
  root: RootName | undefined;
  /** The installed upstream version, e.g. '26.07'; undefined when it is not installed (the suite fails). */
  version: string | undefined;
  /** For test names, e.g. 'ejabberd 26.07 (Debian 13 backports)'. */
  label: string;
}

const PACKAGES: Record<ServerKind, { pkg: string; name: string }> = {
  ejabberd: { pkg: 'ejabberd', name: 'ejabberd' },
  prosody: { pkg: 'prosody', name: 'Prosody' },
};

function resolve(kind: ServerKind, root: RootName | undefined): ServerVersion {
  const { pkg, name } = PACKAGES[kind];
  const where = root ? ROOTS[root] : 'host';
  if (root && !findRoot(root)) return { kind, root, version: undefined, label: `${name} (${where}: root missing)` };
  let version: string | undefined;
  try {
    version = upstreamVersion(installedPackageVersion(root ? findRoot(root) : undefined, pkg));
  } catch {
    version = undefined;
  }
  return { kind, root, version, label: version ? `${name} ${version} (${where})` : `${name} (${where}: not installed)` };
}

/** ejabberd 23.01 (host), 24.12, 26.07; Prosody 0.12 (host), 13.0.1, 13.0.6. */
export const SERVER_VERSIONS: readonly ServerVersion[] = (['ejabberd', 'prosody'] as const).flatMap((kind) =>
  ([undefined, 'trixie', 'trixie-backports'] as const).map((root) => resolve(kind, root)),
);

/** The host's server of this kind: what the rest of the suite runs against. */
export function hostServer(kind: ServerKind): ServerVersion {
  return SERVER_VERSIONS.find((v) => v.kind === kind && v.root === undefined) as ServerVersion;
}
