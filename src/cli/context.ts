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
  try {
    const services = createServices(config, database, cache);
    if (options.prepare ?? true) await prepareDatabase(config, database, services);
    return await command({ config, database, services });
  } finally {
    await cache.close();
    await database.close();
  }
}
