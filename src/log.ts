// The bridge's logger: JSON lines (pino), or coloured text for people
// (`--pretty`, EJABBERD_RESTFUL_LOG_PRETTY=1). Passwords and keys never reach
// a log call; the names below are censored in case one ever does.
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

/**
 * Where secrets could sit if a log call were ever handed a request's data:
 * these keys, at the top of a log call's object or one level down (so
 * headers.authorization too), are logged as '[redacted]'.
 */
export const REDACTED_KEYS: ReadonlySet<string> = new Set([
  'password',
  'key',
  'old_password',
  'new_password',
  'authorization',
  'args',
  'body',
  'fields',
  'query',
]);
const CENSOR = '[redacted]';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Error);

/**
 * The object of a log call with secret keys censored (copies only what it
 * changes). A loop over a few keys per line: pino's redact paths, compiled
 * to wildcard matching, cost every request's access line more than this.
 */
export function censorSecrets(object: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const name in object) {
    const value = object[name];
    if (REDACTED_KEYS.has(name)) {
      if (value === undefined) continue;
      (out ??= { ...object })[name] = CENSOR;
    } else if (isPlainObject(value)) {
      let inner: Record<string, unknown> | undefined;
      for (const innerName in value) {
        if (REDACTED_KEYS.has(innerName) && value[innerName] !== undefined) (inner ??= { ...value })[innerName] = CENSOR;
      }
      if (inner) (out ??= { ...object })[name] = inner;
    }
  }
  return out ?? object;
}

export interface LoggerOptions {
  /** Human-readable, coloured lines instead of JSON. */
  pretty?: boolean;
  /** Default: stdout, written asynchronously (flushLogs() before exiting). */
  destination?: NodeJS.WritableStream | DestinationStream;
}

/** Asynchronous destinations made here: flushed by flushLogs(). */
const unflushed = new Set<{ flushSync(): void }>();

/**
 * Lines are gathered and leave in one synchronous write once
 * FLUSH_BYTES are pending, or FLUSH_MS after the first of them: a system
 * call per ~100 access lines under load instead of one per line (or per
 * turn of the event loop), where an asynchronous destination would also hand
 * every write to the thread pool and be woken again when it is done. A line
 * waits at most FLUSH_MS (tests and tail -f still see it promptly), and
 * flushLogs() writes what is pending before the process exits.
 */
export class BatchedDestination {
  static readonly FLUSH_BYTES = 16 * 1024;
  static readonly FLUSH_MS = 50;
  readonly #out: ReturnType<typeof pino.destination>;
  #pending = '';
  #timer: NodeJS.Timeout | undefined;

  constructor(fd: number) {
    // pino's synchronous destination: retries EAGAIN on a non-blocking pipe, writes whole.
    this.#out = pino.destination({ dest: fd, sync: true });
  }

  write(line: string): boolean {
    this.#pending += line;
    if (this.#pending.length >= BatchedDestination.FLUSH_BYTES) this.flushSync();
    else this.#timer ??= setTimeout(() => this.flushSync(), BatchedDestination.FLUSH_MS).unref();
    return true;
  }

  flushSync(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const text = this.#pending;
    if (text === '') return;
    this.#pending = '';
    this.#out.write(text);
  }
}

/**
 * Writes out what the asynchronous log destinations still hold. Call it
 * before process.exit() and on a fatal error: a synchronous write per line
 * would cost every request a system call.
 */
export function flushLogs(): void {
  for (const destination of unflushed) {
    try {
      destination.flushSync();
    } catch {
      // nothing more can be done for a log that cannot be written
    }
  }
}

export function createLogger(level: LevelWithSilent, options: LoggerOptions = {}): Logger {
  let destination = options.destination;
  if (destination === undefined && options.pretty) {
    destination = pretty({ sync: true, colorize: process.stdout.isTTY, translateTime: 'SYS:standard', ignore: 'pid,hostname,name' });
  }
  if (destination === undefined) {
    const stdout = new BatchedDestination(1);
    // Also when the process dies of an uncaught error: 'exit' handlers run, and this write is synchronous.
    if (unflushed.size === 0) process.once('exit', flushLogs);
    unflushed.add(stdout);
    destination = stdout;
  }
  return pino(
    {
      level,
      base: { name: 'ejabberd-restful', pid: process.pid },
      formatters: { log: censorSecrets },
    },
    destination,
  );
}
