// The bridge's logger: JSON lines (pino). Passwords and keys never reach a
// log call, and these paths are redacted in case one ever does.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export function createLogger(
  level: LevelWithSilent,
  // Synchronous stdout: nothing is lost when the process exits after shutdown.
  destination: NodeJS.WritableStream | ReturnType<typeof pino.destination> = pino.destination({ dest: 1, sync: true }),
): Logger {
  return pino(
    {
      level,
      base: { name: 'ejabberd-restful' },
      redact: {
        paths: ['password', 'key', '*.password', '*.key', '*.old_password', '*.new_password', 'headers.authorization'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
