/** Process entry: read configuration, build the app, listen, and shut down cleanly on a signal. */
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, redactConfig } from './config.ts';
import { OperationalError } from './platform/errors.ts';
import { createLogger } from './platform/logger.ts';

/** How long a shutdown may take before the process exits anyway: room for 5 s of running requests, then 5 s of jobs. */
const SHUTDOWN_GRACE_MS = 12_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  logger.info({ config: redactConfig(config) }, 'starting Laurel');

  let app;
  try {
    app = await buildApp(config, { logger });
  } catch (error) {
    if (error instanceof OperationalError) {
      logger.fatal(error.message);
      process.exit(1);
    }
    throw error;
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
}

await main();
