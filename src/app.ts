/**
 * Composition root: configuration → database → repositories → services → HTTP. Nothing here listens;
 * `main.ts` does. Tests build the app the same way, with their own database.
 */
import type { FastifyInstance } from 'fastify';
import { type Config, defaultSiteDomain } from './config.ts';
import { type Cache, createCache } from './platform/cache/index.ts';
import { type Database, openDatabase } from './platform/db/database.ts';
import { runMigrations } from './platform/db/migrate.ts';
import { operationalRoutes } from './platform/http/health.ts';
import { createServer } from './platform/http/server.ts';
import { type JobQueue, createJobQueue } from './platform/jobs/jobs.ts';
import { type Logger, createLogger } from './platform/logger.ts';
import { createMetrics } from './platform/metrics.ts';
import { resolveSecretKey } from './platform/secret-key.ts';
import { SYSTEM_ACTOR, createAuditService } from './modules/audit/audit.service.ts';
import { registerSiteResolution } from './modules/sites/site-resolution.ts';
import { createSitesRepository } from './modules/sites/sites.repository.ts';
import { sitesRoutes } from './modules/sites/sites.routes.ts';
import { createSitesService } from './modules/sites/sites.service.ts';
import { createUsersRepository } from './modules/users/users.repository.ts';
import { createUsersService } from './modules/users/users.service.ts';
import { VERSION } from './version.ts';

export interface AppOptions {
  /** An already open database (tests); otherwise DATABASE_URL is opened and closed with the app. */
  database?: Database;
  logger?: Logger;
  /** Seconds between job polls; tests shorten it. */
  jobPollingIntervalSeconds?: number;
}

/** Services shared by the HTTP app, the CLI and jobs: every entry point writes through these. */
export function createServices(database: Database, cache: Cache) {
  const audit = createAuditService();
  const sites = createSitesService({ database, repository: createSitesRepository(), audit, cache });
  const users = createUsersService({ database, repository: createUsersRepository(), audit });
  return { audit, sites, users };
}

export type Services = ReturnType<typeof createServices>;

export interface AppContext {
  config: Config;
  database: Database;
  cache: Cache;
  jobs: JobQueue;
  services: Services;
  secretKey: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    laurel: AppContext;
  }
}

/** Opens and prepares the database: migrations when configured, the default site on an empty one. */
export async function prepareDatabase(config: Config, database: Database, services: Services): Promise<void> {
  if (config.migrateOnStart) await runMigrations(database);
  await services.sites.ensureDefaultSite(defaultSiteDomain(config));
  if (config.adminEmail && config.adminPassword) {
    await services.users.ensureLocalAdmin(config.adminEmail, config.adminPassword, SYSTEM_ACTOR);
  }
}

export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const ownsDatabase = !options.database;
  const database =
    options.database ?? (await openDatabase(config.databaseUrl, { poolSize: config.databasePoolSize }));
  const cache = createCache(config.redisUrl, config.redisKeyPrefix);
  const jobs = createJobQueue(database, logger, {
    pollingIntervalSeconds: options.jobPollingIntervalSeconds,
  });
  const services = createServices(database, cache);
  const metrics = createMetrics();

  try {
    await prepareDatabase(config, database, services);
    await jobs.start({ work: config.jobsEnabled });
  } catch (error) {
    await cache.close();
    if (ownsDatabase) await database.close();
    throw error;
  }

  const app = await createServer({
    logger,
    metrics,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    publicUrl: config.publicUrl,
    version: VERSION,
  });
  app.decorate('laurel', {
    config,
    database,
    cache,
    jobs,
    services,
    secretKey: resolveSecretKey(config.secretKey, config.dataDir),
  });
  registerSiteResolution(app, services.sites);
  await app.register(operationalRoutes(database, metrics));
  await app.register(sitesRoutes);

  // Close in reverse order of opening: stop taking jobs, then drop connections.
  app.addHook('onClose', async () => {
    await jobs.stop();
    await cache.close();
    if (ownsDatabase) await database.close();
  });
  return app;
}
