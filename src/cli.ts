#!/usr/bin/env node
// ejabberd-restful --config FILE | --check-config FILE
import { parseArgs } from 'node:util';
import { startBridge } from './bridge.js';
import { ConfigError, loadConfig } from './config/load.js';
import { createLogger } from './log.js';

const USAGE = `usage: ejabberd-restful --config FILE       run the bridge
       ejabberd-restful --check-config FILE validate FILE and exit 0 (valid) or 1`;

async function main(argv: string[]): Promise<number> {
  let values: { config?: string; 'check-config'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        'check-config': { type: 'string' },
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

  const log = createLogger(config.log.level);
  const bridge = await startBridge(config, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'signal received');
      bridge.close().then(resolve, (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    // Exit once shut down, even if a stray socket or timer lingers.
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`ejabberd-restful: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
