// The Debian 13 roots that scripts/install-servers makes (newer ejabberd and
// Prosody than the Debian 12 host has), and how a throwaway server runs in
// one: its files under ROOT/tmp, the paths it is given as seen inside the
// root, its programs run by `chroot ROOT …`. Every root needs /proc, /dev
// and /sys mounted to run Erlang or Lua; install-servers unmounts them, so
// they are mounted here (idempotently) before a server starts.
import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFile = promisify(execFileCb);

/** The roots install-servers makes, by name, and what they are for people. */
export const ROOTS = {
  trixie: 'Debian 13',
  'trixie-backports': 'Debian 13 backports',
} as const;
export type RootName = keyof typeof ROOTS;

export interface DebianRoot {
  name: RootName;
  /** The root's directory on the host. */
  dir: string;
  /** e.g. 'Debian 13 backports'. */
  description: string;
}

/** Where the roots are: $EJABBERD_RESTFUL_ROOTS, as in scripts/install-servers. */
export function rootsDir(): string {
  return process.env.EJABBERD_RESTFUL_ROOTS || '/var/lib/ejabberd-restful/roots';
}

/** The root `name`, or undefined when install-servers has not finished making it (no .ready file). */
export function findRoot(name: RootName): DebianRoot | undefined {
  const dir = path.join(rootsDir(), name);
  return existsSync(path.join(dir, '.ready')) ? { name, dir, description: ROOTS[name] } : undefined;
}

/** The root `name`; throws, saying how to make it, when it is missing. */
export function requireRoot(name: RootName): DebianRoot {
  const root = findRoot(name);
  if (!root) {
    throw new Error(`the Debian root ${path.join(rootsDir(), name)} is missing or unfinished: run scripts/install-servers (as root)`);
  }
  return root;
}

/** Mounts proc on ROOT/proc and binds /dev and /sys, each unless already mounted. */
export async function mountRoot(root: DebianRoot): Promise<void> {
  const mounts: [string, string[]][] = [
    ['proc', ['-t', 'proc', 'proc']],
    ['dev', ['--bind', '/dev']],
    ['sys', ['--bind', '/sys']],
  ];
  for (const [name, how] of mounts) {
    const target = path.join(root.dir, name);
    if (await isMountpoint(target)) continue;
    try {
      await execFile('mount', [...how, target]);
    } catch (error) {
      // Someone else (another test process) may have mounted it meanwhile.
      if (!(await isMountpoint(target))) throw error;
    }
  }
}

async function isMountpoint(dir: string): Promise<boolean> {
  try {
    await execFile('mountpoint', ['-q', dir]);
    return true;
  } catch {
    return false;
  }
}

/** A fresh temp dir for a server's files: under ROOT/tmp for a rooted server, else the host's tmp. */
export function makeTempDir(root: DebianRoot | undefined, prefix: string): Promise<string> {
  return mkdtemp(path.join(root ? path.join(root.dir, 'tmp') : os.tmpdir(), prefix));
}

/** A host path as the rooted server sees it (unchanged without a root). */
export function seenInside(root: DebianRoot | undefined, hostPath: string): string {
  if (!root) return hostPath;
  const relative = path.relative(root.dir, hostPath);
  if (relative.startsWith('..') || path.isAbsolute(relative)) throw new Error(`${hostPath} is not inside ${root.dir}`);
  return `/${relative}`;
}

/** The program and arguments that run `program` (a path inside the root) in the root, or on the host without one. */
export function commandIn(root: DebianRoot | undefined, program: string, args: string[]): [string, string[]] {
  return root ? ['chroot', [root.dir, program, ...args]] : [program, args];
}

/** A file of the root (e.g. /etc/ejabberd/inetrc) as a host path. */
export function fileOf(root: DebianRoot | undefined, file: string): string {
  return root ? path.join(root.dir, file) : file;
}

/** The installed version of a Debian package, in the root or on the host: e.g. '24.12-3+deb13u2'. */
export function installedPackageVersion(root: DebianRoot | undefined, pkg: string): string {
  const [file, args] = commandIn(root, '/usr/bin/dpkg-query', ['-W', '-f=${Version}', pkg]);
  return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The upstream part of a Debian version: '1:24.12-3+deb13u2' → '24.12'. */
export function upstreamVersion(debianVersion: string): string {
  return debianVersion.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
}
