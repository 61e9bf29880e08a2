// The bridge's logger: JSON lines (pino), or coloured text for people
// (`--pretty`, EJABBERD_RESTFUL_LOG_PRETTY=1). Passwords and keys never reach
// a log call; the paths below are redacted in case one ever does.
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

/** Where secrets could sit if a log call were ever handed a request's data. */
export const REDACTED_PATHS = [
  'password',
  'key',
  'old_password',
  'new_password',
  'authorization',
  'args',
  'body',
  'fields',
  'query',
  '*.password',
  '*.key',
  '*.old_password',
  '*.new_password',
  '*.authorization',
  '*.args',
  '*.body',
  '*.fields',
  '*.query',
  'headers.authorization',
  '*.headers.authorization',
];

export interface LoggerOptions {
  /** Human-readable, coloured lines instead of JSON. */
  pretty?: boolean;
  /** Default: stdout, written asynchronously (flushLogs() before exiting). */
  destination?: NodeJS.WritableStream | DestinationStream;
}

/** Asynchronous destinations made here: flushed by flushLogs(). */
const unflushed = new Set<{ flushSync(): void }>();

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
    // No minimum length: lines still leave promptly (tests and tail -f read them as they come).
    const stdout = pino.destination({ dest: 1, sync: false });
    unflushed.add(stdout);
    destination = stdout;
  }
  return pino(
    {
      level,
      base: { name: 'ejabberd-restful', pid: process.pid },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
