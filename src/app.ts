/**
 * Composition root: configuration → database → repositories → services → HTTP. Nothing here listens;
 * `main.ts` does. Tests build the app the same way, with their own database.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { type Config, defaultSiteDomain } from './config.ts';
import { type Cache, createCache } from './platform/cache/index.ts';
import { createMemoryCache } from './platform/cache/memory-cache.ts';
import { REDIS_COMMAND_TIMEOUT_MS } from './platform/cache/redis-cache.ts';
import { createChangeTokens } from './platform/cache/change-tokens.ts';
import { createDiskStorage } from './platform/storage/storage.ts';
import { type Clock, systemClock } from './platform/clock.ts';
import { type Database, openDatabase } from './platform/db/database.ts';
import { runMigrations } from './platform/db/migrate.ts';
import { RateLimitedError } from './platform/errors.ts';
import { createHttpClient } from './platform/http-client/http-client.ts';
import { operationalRoutes } from './platform/http/health.ts';
import { registerPages } from './platform/http/pages.ts';
import { trackRequestsInFlight } from './platform/http/requests-in-flight.ts';
import { createServer } from './platform/http/server.ts';
import { type JobQueue, createJobQueue } from './platform/jobs/jobs.ts';
import { type Logger, createLogger } from './platform/logger.ts';
import { createMetrics } from './platform/metrics.ts';
import { resolveSecretKey } from './platform/secret-key.ts';
import { createAuditRepository } from './modules/audit/audit.repository.ts';
import { createCatalogQueries } from './modules/catalog/catalog.queries.ts';
import { createCatalogRepository } from './modules/catalog/catalog.repository.ts';
import { catalogRoutes } from './modules/catalog/catalog.routes.ts';
import { createCatalogService } from './modules/catalog/catalog.service.ts';
import { createCatalogSource } from './modules/catalog/catalog-source.ts';
import { createCatalogSync } from './modules/catalog/catalog-sync.ts';
import { createConfigEditing } from './modules/credentials/config-editing.ts';
import { createCourseCertificatesRepository } from './modules/credentials/course-certificates.repository.ts';
import { courseCertificatesRoutes } from './modules/credentials/course-certificates.routes.ts';
import { createCourseCertificatesService } from './modules/credentials/course-certificates.service.ts';
import { createCredentialsRepository } from './modules/credentials/credentials.repository.ts';
import { learnerStatusRoutes } from './modules/credentials/learner-status.routes.ts';
import { createProgramCompletionRepository } from './modules/credentials/program-completion.repository.ts';
import { createProgramConfigsRepository } from './modules/credentials/program-configs.repository.ts';
import { programConfigsRoutes } from './modules/credentials/program-configs.routes.ts';
import { createProgramConfigsService } from './modules/credentials/program-configs.service.ts';
import { credentialsRoutes } from './modules/credentials/credentials.routes.ts';
import { createCredentialWriter } from './modules/credentials/credential-writes.ts';
import { createCredentialsService } from './modules/credentials/credentials.service.ts';
import { createShownCredentials } from './modules/credentials/shown-credentials.ts';
import { createShownCredentialsRepository } from './modules/credentials/shown-credentials.repository.ts';
import { certificatePagesRoutes } from './modules/certificates/certificate-pages.routes.ts';
import { createCertificateCache } from './modules/certificates/certificate-cache.ts';
import { createPdfPrinter } from './modules/certificates/certificate-pdf.ts';
import { createRenderedFiles, defineRenderedFilesExpiry } from './modules/certificates/rendered-files.ts';
import { createSocialCards } from './modules/certificates/social-card.ts';
import { createCertificateRenderer } from './modules/certificates/certificate-renderer.ts';
import { createAssetsRepository } from './modules/certificates/assets.repository.ts';
import { assetsRoutes } from './modules/certificates/assets.routes.ts';
import { createAssetsService } from './modules/certificates/assets.service.ts';
import { createTemplatesRepository } from './modules/certificates/templates.repository.ts';
import { templatesRoutes } from './modules/certificates/templates.routes.ts';
import { createTemplatesService } from './modules/certificates/templates.service.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { SYSTEM_ACTOR, createAuditService } from './modules/audit/audit.service.ts';
import { registerAuthentication } from './modules/auth/authentication.ts';
import { csrfToken } from './modules/auth/csrf.ts';
import { registerIdempotency } from './modules/auth/idempotency.ts';
import { createJwtVerifier } from './modules/auth/jwt-verifier.ts';
import { loginRoutes } from './modules/auth/login.routes.ts';
import { createServiceTokens } from './modules/auth/service-tokens.ts';
import { createSessionsRepository } from './modules/auth/sessions.repository.ts';
import { createSessionsService } from './modules/auth/sessions.service.ts';
import { createSignInProviders } from './modules/auth/sign-in-providers.ts';
import { registerSiteResolution } from './modules/sites/site-resolution.ts';
import { createGradesRepository } from './modules/records/grades.repository.ts';
import { gradesRoutes } from './modules/records/grades.routes.ts';
import { createGradesService } from './modules/records/grades.service.ts';
import { createSitesRepository } from './modules/sites/sites.repository.ts';
import { siteAdminRoutes, sitesRoutes } from './modules/sites/sites.routes.ts';
import { createSitesService } from './modules/sites/sites.service.ts';
import { createLmsAccounts } from './modules/users/lms-accounts.ts';
import { createUsersRepository } from './modules/users/users.repository.ts';
import { createWebhooksRepository } from './modules/webhooks/webhooks.repository.ts';
import { webhooksRoutes } from './modules/webhooks/webhooks.routes.ts';
import { createWebhooksService } from './modules/webhooks/webhooks.service.ts';
import { createWebhookEvents } from './modules/webhooks/webhook-events.ts';
import { usersRoutes } from './modules/users/users.routes.ts';
import { createUsersService } from './modules/users/users.service.ts';
import { VERSION } from './version.ts';

export interface AppOptions {
  /** An already open database (tests); otherwise DATABASE_URL is opened and closed with the app. */
  database?: Database;
  logger?: Logger;
  clock?: Clock;
  /** Seconds between job polls; tests shorten it. */
  jobPollingIntervalSeconds?: number;
}

/**
 * Services shared by the HTTP app, the CLI and jobs: every entry point writes through these. The job
 * queue is created here and started only by the server.
 */
export function createServices(
  config: Config,
  database: Database,
  cache: Cache,
  options: { clock?: Clock; logger?: Logger; jobPollingIntervalSeconds?: number } = {},
) {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger('silent');
  const jobs = createJobQueue(database, logger, {
    pollingIntervalSeconds: options.jobPollingIntervalSeconds,
  });
  const audit = createAuditService({ database, repository: createAuditRepository() });
  const changes = createChangeTokens(cache, logger);
  const sites = createSitesService({ database, repository: createSitesRepository(), audit, cache, changes });
  const http = createHttpClient({
    userAgent: `Laurel/${VERSION}`,
    timeoutMs: config.upstreamTimeoutSeconds * 1000,
    retries: config.upstreamRetries,
  });
  const serviceTokens = createServiceTokens(http, cache);
  const assetsRepository = createAssetsRepository();
  const assets = createAssetsService({
    database,
    repository: assetsRepository,
    storage: createDiskStorage(join(config.dataDir, 'assets')),
    audit,
    changes,
  });
  const users = createUsersService({
    database,
    repository: createUsersRepository(),
    lmsAccounts: createLmsAccounts(http, serviceTokens, cache, { requestsPerSecond: 5, cacheSeconds: 1800 }),
    audit,
    cache,
    changes,
    clock,
    policy: {
      serviceUsers: config.serviceUsers,
      usernameReplacementWorker: config.usernameReplacementWorker,
      learnerStatusWorker: config.learnerStatusWorker,
    },
  });
  const sessions = createSessionsService({
    database,
    repository: createSessionsRepository(),
    clock,
    idleMinutes: config.sessionIdleMinutes,
    maxHours: config.sessionMaxHours,
  });
  const catalogRepository = createCatalogRepository();
  const catalog = createCatalogService({
    repository: catalogRepository,
    database,
    sync: createCatalogSync({
      database,
      repository: catalogRepository,
      source: createCatalogSource(http, serviceTokens),
      clock,
    }),
    queries: createCatalogQueries(),
    sites,
    jobs,
    audit,
    changes,
    assets,
    defaultPageSize: config.catalogPageSize,
    intervalMinutes: config.catalogSyncIntervalMinutes,
  });
  catalog.defineJobs();
  const webhooksRepository = createWebhooksRepository();
  const webhookEvents = createWebhookEvents({
    repository: webhooksRepository,
    jobs,
    cache,
    changes,
  });
  const credentialsRepository = createCredentialsRepository();
  const completion = createProgramCompletionRepository();
  const credentials = createCredentialsService({
    database,
    repository: credentialsRepository,
    completion,
    writer: createCredentialWriter({
      database,
      repository: credentialsRepository,
      completion,
      jobs,
      webhookEvents,
      audit,
      clock,
      changes,
    }),
    jobs,
    sites,
    users,
    catalog,
    clock,
    changes,
  });
  credentials.defineJobs();
  const programConfigsRepository = createProgramConfigsRepository();
  const configEditing = createConfigEditing({
    database,
    repository: programConfigsRepository,
    audit,
    changes,
  });
  const courseCertificates = createCourseCertificatesService({
    database,
    repository: credentialsRepository,
    courseCertificates: createCourseCertificatesRepository(),
    editing: configEditing,
    catalog,
    audit,
    jobs,
  });
  const programConfigs = createProgramConfigsService({
    database,
    repository: programConfigsRepository,
    credentials: credentialsRepository,
    catalog,
    audit,
    editing: configEditing,
    assets,
  });
  const webhooks = createWebhooksService({
    database,
    repository: webhooksRepository,
    jobs,
    http,
    audit,
    changes,
    clock,
    allowedHosts: config.webhookAllowedHosts
      .split(',')
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean),
  });
  webhooks.defineJobs();
  const grades = createGradesService({
    webhookEvents,
    database,
    repository: createGradesRepository(),
    users,
    catalog,
    audit,
  });
  const shownCredentials = createShownCredentials({
    database,
    repository: createShownCredentialsRepository(),
    clock,
    changes,
  });
  const certificateRenderer = createCertificateRenderer();
  const renderedFiles = createRenderedFiles(config.dataDir);
  defineRenderedFilesExpiry(jobs, renderedFiles, clock);
  return {
    jobs,
    audit,
    sites,
    users,
    sessions,
    http,
    serviceTokens,
    catalog,
    credentials,
    shownCredentials,
    certificateRenderer,
    renderedFiles,
    templates: createTemplatesService({
      database,
      repository: createTemplatesRepository(),
      audit,
      renderer: certificateRenderer,
      shown: shownCredentials,
      changes,
      assets: assetsRepository,
    }),
    certificatePages: createCertificateCache(changes),
    assets,
    courseCertificates,
    programConfigs,
    webhooks,
    grades,
  };
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

const STATIC_DIR = fileURLToPath(new URL('./web/static/', import.meta.url));
/** How long closing waits for running requests before it closes what they use anyway. */
const REQUEST_DRAIN_MS = 5000;
/**
 * Room for the answers kept for Idempotency-Key without Redis: by size (a bulk answer can be 500 kB),
 * and by number (the cache sets its tables up for that many at once: a million would be 30 MB).
 */
const IDEMPOTENCY_MAX_BYTES = 64 * 1024 * 1024;
const IDEMPOTENCY_MAX_ENTRIES = 50_000;

export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const ownsDatabase = !options.database;
  const database =
    options.database ??
    (await openDatabase(config.databaseUrl, {
      poolSize: config.databasePoolSize,
      statementTimeoutMs: config.databaseStatementTimeoutSeconds * 1000,
    }));
  const cache = createCache(config.redisUrl, config.redisKeyPrefix);
  const services = createServices(config, database, cache, {
    clock: options.clock,
    logger,
    jobPollingIntervalSeconds: options.jobPollingIntervalSeconds,
  });
  const { jobs } = services;
  const metrics = createMetrics(jobs);
  const secretKey = resolveSecretKey(config.secretKey, config.dataDir);
  const secureCookies = config.publicUrl.startsWith('https:');
  const rateLimitRedis = config.redisUrl
    ? new Redis(config.redisUrl, {
        maxRetriesPerRequest: 1,
        connectTimeout: 2000,
        commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      })
    : undefined;
  // As for the cache: a lost connection fails the requests that need it (503), and ioredis
  // reconnects by itself; without a listener it would print every attempt to stderr.
  rateLimitRedis?.on('error', () => {});

  try {
    await prepareDatabase(config, database, services);
    await jobs.start({ work: config.jobsEnabled });
  } catch (error) {
    await cache.close();
    rateLimitRedis?.disconnect();
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
  const requestsInFlight = trackRequestsInFlight(app);
  app.decorate('laurel', { config, database, cache, jobs, services, secretKey });

  await app.register(cookie, { secret: secretKey });
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(rateLimit, {
    global: false,
    ...(rateLimitRedis && { redis: rateLimitRedis, nameSpace: `${config.redisKeyPrefix}rate-limit:` }),
    errorResponseBuilder: (_request, context) =>
      new RateLimitedError(Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  await app.register(fastifyStatic, {
    root: STATIC_DIR,
    prefix: '/static/',
    maxAge: '1h',
    decorateReply: false,
  });

  registerSiteResolution(app, services.sites);
  const printer = createPdfPrinter({
    chromiumPath: config.chromiumPath,
    storage: services.renderedFiles.pdfs,
    staticDir: STATIC_DIR,
  });
  const verifyJwt = createJwtVerifier({
    issuers: config.jwtIssuers,
    leewaySeconds: config.jwtLeewaySeconds,
    jwksCacheSeconds: config.jwksCacheSeconds,
    jwksRefetchCooldownSeconds: config.jwksRefetchCooldownSeconds,
  });
  registerAuthentication(app, { verifyJwt, users: services.users, sessions: services.sessions, secretKey });
  registerPages(app, (request, reply) => ({
    site: request.site,
    principal: request.principal,
    csrf_token: request.principal ? csrfToken(request, reply, secretKey, secureCookies) : undefined,
  }));

  // In process, kept apart from the shared cache, which anonymous traffic also fills (unknown host
  // names, for one): a retry's answer must not be pushed out by requests that cost nothing to send.
  registerIdempotency(
    app,
    config.redisUrl
      ? cache
      : createMemoryCache({ maxEntries: IDEMPOTENCY_MAX_ENTRIES, maxBytes: IDEMPOTENCY_MAX_BYTES }),
  );
  await app.register(operationalRoutes(database, metrics));
  await app.register(sitesRoutes);
  await app.register(siteAdminRoutes(services.sites));
  await app.register(usersRoutes(services.users));
  await app.register(auditRoutes(services.audit));
  await app.register(catalogRoutes(services.catalog));
  await app.register(credentialsRoutes(services.credentials));
  await app.register(gradesRoutes(services.grades));
  await app.register(courseCertificatesRoutes(services.courseCertificates));
  await app.register(learnerStatusRoutes(services.credentials));
  await app.register(programConfigsRoutes(services.programConfigs));
  await app.register(webhooksRoutes(services.webhooks));
  await app.register(
    certificatePagesRoutes({
      shown: services.shownCredentials,
      templates: services.templates,
      renderer: services.certificateRenderer,
      pages: services.certificatePages,
      cards: createSocialCards(services.renderedFiles.cards),
      printer,
      assets: services.assets,
    }),
  );
  await app.register(templatesRoutes(services.templates));
  await app.register(assetsRoutes(services.assets));
  await app.register(
    loginRoutes({
      users: services.users,
      sessions: services.sessions,
      providers: createSignInProviders(),
      verifyJwt,
      secretKey,
      secureCookies,
    }),
  );

  // Close in reverse order of opening: let handlers finish (a client that went away leaves its
  // request running), stop taking jobs, then drop connections.
  app.addHook('onClose', async () => {
    if (!(await requestsInFlight.settled(REQUEST_DRAIN_MS)))
      logger.warn({ waitedMs: REQUEST_DRAIN_MS }, 'closing with requests still running');
    await jobs.stop();
    await printer.close();
    await cache.close();
    await rateLimitRedis?.quit().catch(() => rateLimitRedis.disconnect());
    if (ownsDatabase) await database.close();
  });
  return app;
}
