// An ejabberd API command's spec: argument names and types, and the result
// with its element names, as `ejabberdctl help COMMAND` prints them
// (`user::binary`, `contacts::[ contact::{ jid::string, ... } ]`). The
// ad-hoc form of mod_adhoc_api gives only names and order, so the types come
// from a catalogue of these specs (./catalogue.json, made by
// scripts/command-catalogue.ts from the servers themselves).

/** A scalar type name (binary, string, integer, atom, rescode, restuple), a list or a tuple. */
export type ApiType = string | { list: Named } | { tuple: readonly Named[] };

export interface Named {
  name: string;
  type: ApiType;
}

export interface ArgSpec extends Named {
  /** What the argument means, in ejabberd's words. */
  desc?: string;
}

export interface CommandSpec {
  name: string;
  args: ArgSpec[];
  result: Named;
  /** One line: what the command does. */
  desc: string;
  tags: string[];
  /** The ejabberd module that defines it. */
  module?: string;
}

/** Reads one command's `ejabberdctl help NAME` text; undefined when it is not a command's help. */
export function parseHelp(text: string): CommandSpec | undefined {
  const name = /^\s*Command Name:\s*(\S+)/m.exec(text)?.[1];
  const args = section(text, 'Arguments');
  const result = section(text, 'Result');
  if (name === undefined || args === undefined || result === undefined) return undefined;
  const parsedResult = parseNamedList(result)[0];
  if (parsedResult === undefined) return undefined;
  const description = section(text, 'Description') ?? '';
  return {
    name,
    args: parseNamedList(args),
    result: { name: parsedResult.name, type: parsedResult.type },
    desc: description.split('\n')[0]?.trim() ?? '',
    tags: (section(text, 'Tags') ?? '').split(/\s+/).filter((tag) => tag !== ''),
    ...(section(text, 'Module') ? { module: (section(text, 'Module') ?? '').trim() } : {}),
  };
}

const HEADINGS = ['Command Name', 'Arguments', 'Result', 'Example', 'Tags', 'Module', 'Note', 'Description', 'Definer'];

/** The text after `Heading:` up to the next heading at the start of a line. */
function section(text: string, heading: string): string | undefined {
  const start = new RegExp(`^\\s*${heading}:[ \\t]?`, 'm').exec(text);
  if (!start) return undefined;
  const rest = text.slice(start.index + start[0].length);
  const next = new RegExp(`^\\s*(${HEADINGS.join('|')}):`, 'm').exec(rest);
  return (next ? rest.slice(0, next.index) : rest).replace(/\s+$/, '');
}

/** `a::binary : desc \n b::[ x::string ]`: named types in order, each with the description after ` : `. */
export function parseNamedList(text: string): ArgSpec[] {
  const cursor = { text, at: 0 };
  const out: ArgSpec[] = [];
  for (;;) {
    skipSpace(cursor);
    if (cursor.at >= text.length) return out;
    const named = parseNamed(cursor);
    // A description runs from ' : ' to the end of the line.
    const line = /^[ \t]*:[ \t]*([^\n]*)/.exec(text.slice(cursor.at));
    if (line) cursor.at += line[0].length;
    out.push(line?.[1] ? { ...named, desc: line[1].trim() } : named);
  }
}

interface Cursor {
  text: string;
  at: number;
}

function skipSpace(cursor: Cursor): void {
  while (cursor.at < cursor.text.length && /\s/.test(cursor.text[cursor.at] ?? '')) cursor.at += 1;
}

function parseNamed(cursor: Cursor): Named {
  skipSpace(cursor);
  const match = /^([A-Za-z0-9_]+)::/.exec(cursor.text.slice(cursor.at));
  if (!match) throw new SyntaxError(`expected name::type at "${cursor.text.slice(cursor.at, cursor.at + 30)}"`);
  cursor.at += match[0].length;
  return { name: match[1] as string, type: parseType(cursor) };
}

function parseType(cursor: Cursor): ApiType {
  skipSpace(cursor);
  const open = cursor.text[cursor.at];
  if (open === '[') {
    cursor.at += 1;
    const element = parseNamed(cursor);
    expect(cursor, ']');
    return { list: element };
  }
  if (open === '{') {
    cursor.at += 1;
    const elements = [parseNamed(cursor)];
    for (;;) {
      skipSpace(cursor);
      if (cursor.text[cursor.at] !== ',') break;
      cursor.at += 1;
      elements.push(parseNamed(cursor));
    }
    expect(cursor, '}');
    return { tuple: elements };
  }
  const scalar = /^[a-z_]+/.exec(cursor.text.slice(cursor.at));
  if (!scalar) throw new SyntaxError(`expected a type at "${cursor.text.slice(cursor.at, cursor.at + 30)}"`);
  cursor.at += scalar[0].length;
  return scalar[0];
}

function expect(cursor: Cursor, char: string): void {
  skipSpace(cursor);
  if (cursor.text[cursor.at] !== char) throw new SyntaxError(`expected "${char}" at "${cursor.text.slice(cursor.at, cursor.at + 30)}"`);
  cursor.at += 1;
}

/** The type as ejabberdctl writes it, for documentation: `[ contact::{ jid::string, ... } ]`. */
export function typeText(type: ApiType): string {
  if (typeof type === 'string') return type;
  if ('list' in type) return `[ ${type.list.name}::${typeText(type.list.type)} ]`;
  return `{ ${type.tuple.map((e) => `${e.name}::${typeText(e.type)}`).join(', ')} }`;
}
