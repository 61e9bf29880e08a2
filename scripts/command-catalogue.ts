// Makes src/backends/ejabberd/adhoc-api/catalogue.json: the spec of every
// ejabberd API command (argument names and types, result with element
// names), read from `ejabberdctl help` of a running ejabberd 25.03+.
// mod_adhoc_api's forms name the arguments but not their types, and its
// results carry no element names; the catalogue supplies both.
//
//   npx tsx scripts/command-catalogue.ts            # a throwaway ejabberd from the newest Debian root
//   npx tsx scripts/command-catalogue.ts --check    # exit 1 if the committed catalogue differs
import { execFile as execFileCb } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseHelp, type CommandSpec } from '../src/backends/ejabberd/adhoc-api/spec.js';
import type { Catalogue } from '../src/backends/ejabberd/adhoc-api/catalogue.js';

const CATALOGUE_FILE = fileURLToPath(new URL('../src/backends/ejabberd/adhoc-api/catalogue.json', import.meta.url));

const execFile = promisify(execFileCb);

export type Ctl = (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

/** Every command the server's `help '*'` lists, each read from its own `help NAME`. */
export async function readCatalogue(ctl: Ctl, version: string): Promise<Catalogue> {
  const listing = await ctl(['help', '*']);
  const names = [...listing.stdout.matchAll(/^ {2}([a-z][a-z0-9_]*)\b/gm)].map((m) => m[1] as string);
  if (names.length === 0) throw new Error(`ejabberdctl help '*' listed no command:\n${listing.stdout}${listing.stderr}`);
  const specs: CommandSpec[] = [];
  // Each ejabberdctl call boots an Erlang VM: a few at a time.
  for (let i = 0; i < names.length; i += 4) {
    const batch = await Promise.all(
      names.slice(i, i + 4).map(async (name) => {
        const help = await ctl(['help', name]);
        const spec = parseHelp(help.stdout);
        // Commands only ejabberdctl itself runs (help, ...) have no API spec.
        if (!spec && /exclusive for the ejabberdctl/.test(help.stdout)) return undefined;
        if (!spec) throw new Error(`could not read ejabberdctl help ${name}:\n${help.stdout}${help.stderr}`);
        return spec;
      }),
    );
    specs.push(...batch.filter((spec): spec is CommandSpec => spec !== undefined));
  }
  specs.sort((a, b) => a.name.localeCompare(b.name));
  return { ejabberd: version, commands: Object.fromEntries(specs.map((spec) => [spec.name, spec])) };
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const ctlIndex = process.argv.indexOf('--ctl');
  if (ctlIndex < 0) throw new Error('usage: command-catalogue.ts --ctl PATH-TO-EJABBERDCTL-WRAPPER [--check]');
  const wrapper = process.argv[ctlIndex + 1] as string;
  const ctl: Ctl = async (args) => {
    try {
      const { stdout, stderr } = await execFile(wrapper, args, { maxBuffer: 16 * 1024 * 1024 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
  const status = await ctl(['status']);
  const version = /ejabberd (\S+) is running/.exec(status.stdout)?.[1] ?? 'unknown';
  const catalogue = await readCatalogue(ctl, version);
  const text = `${JSON.stringify(catalogue, null, 1)}\n`;
  if (check) {
    const committed = await readFile(CATALOGUE_FILE, 'utf8');
    if (committed !== text) {
      console.error(`${CATALOGUE_FILE} differs from what ejabberd ${version} says: run this script without --check`);
      process.exit(1);
    }
    console.log(`catalogue matches ejabberd ${version} (${Object.keys(catalogue.commands).length} commands)`);
    return;
  }
  await writeFile(CATALOGUE_FILE, text);
  console.log(`wrote ${Object.keys(catalogue.commands).length} commands of ejabberd ${version} to ${CATALOGUE_FILE}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
