// ejabberd.yml.example and prosody.cfg.lua.example start as they are on
// every server version, without a warning or an error about the options
// the bridge depends on.
//
// What "about the bridge's options" matches: the names the example marks
// "BRIDGE:" (the key right after a BRIDGE comment, and the option keys
// nested under it: e.g. mod_register, access_from, ip_access,
// registration_timeout, backlog, mod_fail2ban; in the Prosody example the
// modules marked on their line, as `private` and `mod_private`, and the
// settings after a BRIDGE comment block: admins, c2s_require_encryption,
// allow_registration, limits, unlimited_jids, ...), each as a whole word,
// case-sensitive, in a warning or error line of the server's log. What the
// versions print that is not about these (seen: ejabberd's "mod_mam is
// recommended for module mod_muc", 24.12+'s "captcha_cmd is not
// configured, but some module wants to use the CAPTCHA feature", every
// Prosody's certmanager error about a missing certs directory next to the
// config) is left to the operator. A misspelt option in a module the
// bridge needs stops ejabberd (its start fails the test) and makes Prosody
// log "Unable to load module 'privat'" (caught by the check).
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { findExampleConfig } from '../harness/ejabberd.js';
import { findProsodyExample } from '../harness/prosody.js';
import { SERVER_VERSIONS, startServer, type ServerKind, type ServerUnderTest } from '../support/server-under-test.js';

/** Names an ejabberd.yml marks BRIDGE: the key after each BRIDGE comment block and the keys nested under it. */
export function ejabberdBridgeNames(text: string): string[] {
  const names = new Set<string>();
  const lines = text.split('\n');
  const indent = (line: string) => /^\s*(?:-\s*)?/.exec(line)?.[0].length ?? 0;
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*# BRIDGE:/.test(lines[i] as string)) continue;
    let j = i + 1;
    while (j < lines.length && /^\s*#/.test(lines[j] as string)) j++;
    const first = /^\s*(?:-\s*)?"?([\w./]+)"?:/.exec(lines[j] ?? '');
    if (!first) continue;
    names.add(first[1] as string);
    const depth = indent(lines[j] as string);
    for (let k = j + 1; k < lines.length; k++) {
      const line = lines[k] as string;
      if (line.trim() === '' || /^\s*#/.test(line)) continue;
      if (indent(line) <= depth) break;
      const key = /^\s*(?:-\s*)?"?([A-Za-z_][\w.]*)"?:/.exec(line);
      if (key) names.add(key[1] as string);
    }
  }
  return [...names];
}

/** Names a prosody.cfg.lua marks BRIDGE: modules marked on their line (`x` and `mod_x`), and the settings after a BRIDGE comment block. */
export function prosodyBridgeNames(text: string): string[] {
  const names = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const module = /^\s*"([\w_]+)";\s*--\s*BRIDGE:/.exec(line);
    if (module) {
      names.add(module[1] as string).add(`mod_${module[1] as string}`);
      continue;
    }
    if (!/^\s*-- BRIDGE:/.test(line)) continue;
    let j = i + 1;
    while (j < lines.length && /^\s*--/.test(lines[j] as string)) j++;
    // The settings of that paragraph, up to the next blank line.
    for (; j < lines.length && (lines[j] as string).trim() !== ''; j++) {
      const setting = /^([a-z0-9_]+)\s*=/.exec(lines[j] as string);
      if (setting) names.add(setting[1] as string);
    }
  }
  return [...names];
}

/** The warning and error lines of the server's logs. */
async function warningsAndErrors(server: ServerUnderTest, kind: ServerKind): Promise<string[]> {
  const files =
    kind === 'ejabberd'
      ? (await readdir(path.dirname(server.logFile))).map((name) => path.join(path.dirname(server.logFile), name))
      : [server.logFile];
  const lines = (await Promise.all(files.map((file) => readFile(file, 'utf8')))).flatMap((text) => text.split('\n'));
  // ejabberd: "… [warning] <0.120.0>@module …"; Prosody: "Dec 04 17:01:02 general  warn  …".
  const level = kind === 'ejabberd' ? /\[(warning|error|critical|alert|emergency)\]/ : /\s(warn|error)\s/;
  return lines.filter((line) => level.test(line));
}

const about = (names: string[]) => (line: string) => names.some((name) => new RegExp(`(^|[^\\w])${name.replace(/\./g, '\\.')}($|[^\\w])`).test(line));

describe('the example configs', function () {
  const ejabberdNames = ejabberdBridgeNames(readFileSync(findExampleConfig(), 'utf8'));
  const prosodyNames = prosodyBridgeNames(readFileSync(findProsodyExample(), 'utf8'));

  it("know the bridge's option names (what the log check below looks for)", function () {
    expect(ejabberdNames).to.include.members([
      'registration_timeout', 'backlog', 'register_from', 'register_ip', 'max_user_sessions', 'c2s_shaper',
      'mod_adhoc', 'mod_announce', 'mod_configure', 'mod_fail2ban', 'mod_register', 'access_from', 'ip_access', 'mod_private',
    ]);
    expect(prosodyNames).to.include.members([
      'admins', 'private', 'mod_private', 'register', 'mod_register', 'admin_adhoc', 'mod_admin_adhoc', 'announce', 'version',
      'c2s_require_encryption', 'c2s_ports', 'allow_registration', 'limits', 'unlimited_jids',
    ]);
    expect(about(['mod_register'])('[warning] Module mod_register: bad option')).to.equal(true);
    expect(about(['register'])('[warning] Module mod_register_web')).to.equal(false);
  });

  for (const version of SERVER_VERSIONS) {
    it(`start ${version.label} without a warning or error about the bridge's options`, async function () {
      const server = await startServer(version);
      try {
        const names = version.kind === 'ejabberd' ? ejabberdNames : prosodyNames;
        // The log was written (the check below reads the right file).
        expect(await readFile(server.logFile, 'utf8')).to.not.equal('');
        const lines = await warningsAndErrors(server, version.kind);
        expect(lines.filter(about(names)), lines.join('\n')).to.deep.equal([]);
      } finally {
        await server.stop();
      }
    });
  }
});
