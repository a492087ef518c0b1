/**
 * Fills a database with a large, realistic credentials dataset for benchmarks and capacity checks:
 * a generated catalog (copied by the real catalog sync from the fake catalog service), a verified
 * course certificate configuration per run and a program certificate configuration per program,
 * learners, their course credentials (one in twenty revoked), each with a grade attribute, one history
 * event and one audit entry.
 *
 *   npm run seed:credentials -- --database-url postgres://postgres@127.0.0.1:5432/laurel_bench \
 *     [--credentials 1000000] [--per-learner 10] [--programs 200] [--runs 5] [--domain bench.example.org]
 *
 * The rows are written set-based, in SQL (a million credentials in well under a minute on
 * PostgreSQL); learners are named `bench-learner-<n>`, starting at 0. Meant for an empty database:
 * run it once per database.
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { createServices } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { CLI_ACTOR } from '../src/modules/audit/audit.service.ts';
import type { Site } from '../src/modules/sites/sites.service.ts';
import { createMemoryCache } from '../src/platform/cache/memory-cache.ts';
import { type Database, openDatabase, queryRows } from '../src/platform/db/database.ts';
import { runMigrations } from '../src/platform/db/migrate.ts';
import { generateCatalog, startFakeCatalog } from '../test/fake-upstream/catalog.ts';

export interface SeedOptions {
  credentials: number;
  perLearner: number;
  programs: number;
  runsPerProgram: number;
  domain: string;
}

export interface SeedResult {
  site: Site;
  learners: number;
  credentials: number;
  courseRunConfigs: number;
  seconds: number;
}

export const benchLearner = (n: number) => `bench-learner-${n}`;

async function copyCatalog(database: Database, options: SeedOptions): Promise<Site> {
  const data = generateCatalog({ programs: options.programs, runsPerProgram: options.runsPerProgram });
  const catalog = await startFakeCatalog({ data });
  try {
    const config = loadConfig({ DATABASE_URL: 'pglite:memory', LOG_LEVEL: 'silent' });
    const services = createServices(config, database, createMemoryCache());
    const site = await services.sites.create(
      { domain: options.domain, name: 'Bench', catalogApiUrl: catalog.apiUrl },
      CLI_ACTOR,
    );
    const report = await services.catalog.syncSite(site, { pageSize: 500 }, CLI_ACTOR);
    if (!report.complete) throw new Error(`catalog sync failed: ${report.error}`);
    return site;
  } finally {
    await catalog.stop();
  }
}

export async function seedCredentials(database: Database, options: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  await runMigrations(database);
  const site = await copyCatalog(database, options);
  const { db } = database;
  const siteId = site.id;

  await db.execute(sql`
    insert into credential_configs (uuid, site_id, kind, course_run_key, course_run_id, mode)
    select gen_random_uuid(), ${siteId}, 'course-run', key, id, 'verified'
    from course_runs where site_id = ${siteId}`);
  await db.execute(sql`
    insert into credential_configs (uuid, site_id, kind, program_id)
    select gen_random_uuid(), ${siteId}, 'program', id from programs where site_id = ${siteId}`);
  const [{ configs } = { configs: 0 }] = await queryRows<{ configs: number }>(
    db,
    sql`select count(*)::int as configs from credential_configs
      where site_id = ${siteId} and kind = 'course-run'`,
  );
  const perLearner = Math.min(options.perLearner, configs);
  const learners = Math.ceil(options.credentials / perLearner);

  await db.execute(sql`
    insert into users (username, email, full_name)
    select 'bench-learner-' || n, 'bench-learner-' || n || '@example.org', 'Bench Learner ' || n
    from generate_series(0, ${learners - 1}) as n`);
  // Learner n holds the configurations n*k … n*k+k-1 (modulo their number): distinct per learner.
  await db.execute(sql`
    with config as (
      select id, row_number() over (order by id) - 1 as n from credential_configs
      where site_id = ${siteId} and kind = 'course-run'
    ), learner as (
      select id, substr(username, 15)::int as n from users where username like 'bench-learner-%'
    ), pair as (
      select learner.id as user_id, learner.n * ${perLearner} + j as k
      from learner cross join generate_series(0, ${perLearner - 1}) as j
      where learner.n * ${perLearner} + j < ${options.credentials}
    )
    insert into user_credentials (uuid, site_id, user_id, config_id, status, awarded_at, revoked_at)
    select gen_random_uuid(), ${siteId}, pair.user_id, config.id,
      case when pair.k % 20 = 0 then 'revoked' else 'awarded' end,
      now() - interval '1 day',
      case when pair.k % 20 = 0 then now() end
    from pair join config on config.n = pair.k % ${configs}`);
  await db.execute(sql`
    insert into credential_events (site_id, user_credential_id, type, to_status, source)
    select site_id, id, 'awarded', 'awarded', 'cli' from user_credentials where site_id = ${siteId}`);
  // A grade on each, as the LMS sends them: without attributes the planner's statistics would be
  // those of an empty table, and the list queries would be planned for a database nobody runs.
  await db.execute(sql`
    insert into user_credential_attributes (user_credential_id, name, value)
    select id, 'grade', '0.' || (50 + id % 50) from user_credentials where site_id = ${siteId}`);
  await db.execute(sql`
    insert into audit_log (site_id, actor_label, source, action, target_type, target_id, changes)
    select site_id, 'seed', 'cli', 'credential.awarded', 'user_credential', uuid::text,
      '{"status": [null, "awarded"]}'::jsonb
    from user_credentials where site_id = ${siteId}`);
  // As a long-lived database would be: hint bits set, visibility map and statistics fresh.
  await db.execute(sql`vacuum analyze`);

  const [{ credentials } = { credentials: 0 }] = await queryRows<{ credentials: number }>(
    db,
    sql`select count(*)::int as credentials from user_credentials where site_id = ${siteId}`,
  );
  return {
    site,
    learners,
    credentials,
    courseRunConfigs: configs,
    seconds: (performance.now() - started) / 1000,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string', default: process.env.DATABASE_URL },
      credentials: { type: 'string', default: '1000000' },
      'per-learner': { type: 'string', default: '10' },
      programs: { type: 'string', default: '200' },
      runs: { type: 'string', default: '5' },
      domain: { type: 'string', default: 'bench.example.org' },
    },
  });
  const url = values['database-url'];
  if (!url) {
    console.error('Give --database-url (or DATABASE_URL): a PostgreSQL URL or pglite:<dir>.');
    process.exit(2);
  }
  const numbers = ['credentials', 'per-learner', 'programs', 'runs'] as const;
  for (const name of numbers) {
    if (!/^[1-9]\d*$/.test(values[name])) {
      console.error(`--${name} must be a positive whole number.`);
      process.exit(2);
    }
  }
  const database = await openDatabase(url, { poolSize: 4 });
  try {
    const result = await seedCredentials(database, {
      credentials: Number(values.credentials),
      perLearner: Number(values['per-learner']),
      programs: Number(values.programs),
      runsPerProgram: Number(values.runs),
      domain: values.domain,
    });
    console.log(
      `Seeded ${result.credentials} credentials of ${result.learners} learners over ` +
        `${result.courseRunConfigs} course runs on site ${result.site.domain} in ${result.seconds.toFixed(1)} s.`,
    );
  } finally {
    await database.close();
  }
}
