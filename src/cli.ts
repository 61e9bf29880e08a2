#!/usr/bin/env -S node --max-semi-space-size=32
// (--max-semi-space-size=32: a young generation large enough that a request's objects die
// there instead of being promoted; RSS stays flat under load, docs/performance.md "Memory".)
// ejabberd-restful --config FILE [--pretty] | --check-config FILE
import { parseArgs } from 'node:util';
import { startBridge } from './bridge.js';
import { ConfigError, loadConfig } from './config/load.js';
import { createLogger, flushLogs } from './log.js';

const USAGE = `usage: ejabberd-restful --config FILE [--pretty]  run the bridge
       ejabberd-restful --check-config FILE         validate FILE and exit 0 (valid) or 1

  --pretty   human-readable log lines instead of JSON (also EJABBERD_RESTFUL_LOG_PRETTY=1)

SIGTERM or SIGINT: stop accepting, let requests in flight finish within
shutdown.grace_period_ms, close the XMPP sessions, exit 0. A second signal
exits at once.`;

async function main(argv: string[]): Promise<number> {
  let values: { config?: string; 'check-config'?: string; help?: boolean; pretty?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        'check-config': { type: 'string' },
        pretty: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const file = values['check-config'] ?? values.config;
  if (file === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let config;
  try {
    config = await loadConfig(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${file}: ${error.message}\n`);
    return 1;
  }
  if (values['check-config'] !== undefined) {
    process.stdout.write(`${file}: configuration OK\n`);
    return 0;
  }

  const log = createLogger(config.log.level, { pretty: values.pretty === true || config.log.pretty });
  // Last resort: a stray rejection or exception in a library (a socket reset
  // inside xmpp.js, say) is a bug to log, not a reason to drop every caller.
  // Each request and connection has its own error handling before this.
  process.on('unhandledRejection', (reason) => {
    log.error({ err: reason }, 'unhandled promise rejection (bug); the bridge keeps serving');
  });
  process.on('uncaughtException', (error) => {
    log.error({ err: error }, 'uncaught exception (bug); the bridge keeps serving');
  });
  // Listen for signals before starting, so one that arrives during start-up
  // still shuts down in order.
  let signalled: (signal: string) => void = () => undefined;
  const stopRequested = new Promise<string>((resolve) => (signalled = resolve));
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      log.info({ signal }, 'signal received');
      signalled(signal);
      return;
    }
    log.warn({ signal }, 'second signal; exiting without waiting');
    flushLogs();
    process.exit(1);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const bridge = await startBridge(config, log);
  await stopRequested;
  try {
    await bridge.close();
  } catch (error) {
    log.error({ err: error }, 'shutdown failed');
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    // Exit once shut down, even if a stray socket or timer lingers.
    flushLogs();
    process.exit(code);
  },
  (error: unknown) => {
    flushLogs();
    process.stderr.write(`ejabberd-restful: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
