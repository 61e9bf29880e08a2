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
  /** Default: synchronous stdout, so nothing is lost when the process exits after shutdown. */
  destination?: NodeJS.WritableStream | DestinationStream;
}

export function createLogger(level: LevelWithSilent, options: LoggerOptions = {}): Logger {
  const destination =
    options.destination ??
    (options.pretty
      ? pretty({ sync: true, colorize: process.stdout.isTTY, translateTime: 'SYS:standard', ignore: 'pid,hostname,name' })
      : pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      level,
      base: { name: 'ejabberd-restful', pid: process.pid },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
