import { type Services, createServices, prepareDatabase } from '../app.ts';
import { type Config, loadConfig } from '../config.ts';
import { createCache } from '../platform/cache/index.ts';
import { type Database, openDatabase } from '../platform/db/database.ts';

/** What a CLI command works with: the same services the server uses, on DATABASE_URL. */
export interface CliContext {
  config: Config;
  database: Database;
  services: Services;
}

/** Opens the database, runs `command`, and always closes it (releasing the PGlite lock). */
export async function withContext<T>(
  command: (context: CliContext) => Promise<T>,
  options: { prepare?: boolean } = {},
): Promise<T> {
  const config = loadConfig();
  const database = await openDatabase(config.databaseUrl, { poolSize: 2 });
  const cache = createCache(config.redisUrl, config.redisKeyPrefix);
  const services = createServices(config, database, cache);
  try {
    if (options.prepare ?? true) {
      await prepareDatabase(config, database, services);
      // Writes enqueue their side effects; the server's workers run them.
      await services.jobs.start({ work: false });
    }
    return await command({ config, database, services });
  } finally {
    await services.jobs.stop();
    await cache.close();
    await database.close();
  }
}
