/**
 * Catalog sync benchmark: a generated catalog (default 10,000 programs with 5 runs each: 50,000 courses
 * and runs) copied into an empty database, then copied again with nothing changed, on PGlite and on
 * PostgreSQL. Targets (issue 4): full sync ≤ 60 s on PGlite, ≤ 30 s on PostgreSQL.
 *
 *   npm run bench -- catalog [--programs 10000] [--runs 5] [--postgres postgres://…]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createServices } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { CLI_ACTOR } from '../src/modules/audit/audit.service.ts';
import { createMemoryCache } from '../src/platform/cache/memory-cache.ts';
import { type Database, openDatabase } from '../src/platform/db/database.ts';
import { runMigrations } from '../src/platform/db/migrate.ts';
import { generateCatalog, startFakeCatalog } from '../test/fake-upstream/catalog.ts';

export interface CatalogBenchResult {
  engine: string;
  items: number;
  fullSeconds: number;
  resyncSeconds: number;
  target: number;
}

async function measure(
  engine: string,
  database: Database,
  apiUrl: string,
  target: number,
  items: number,
): Promise<CatalogBenchResult> {
  await runMigrations(database);
  const config = loadConfig({
    DATABASE_URL: 'pglite:memory',
    LOG_LEVEL: 'silent',
    UPSTREAM_TIMEOUT_SECONDS: '60',
  });
  const services = createServices(config, database, createMemoryCache());
  const site = await services.sites.create(
    { domain: 'bench.example.org', name: 'Bench', catalogApiUrl: apiUrl },
    CLI_ACTOR,
  );

  let started = performance.now();
  const full = await services.catalog.syncSite(site, { pageSize: 500 }, CLI_ACTOR);
  const fullSeconds = (performance.now() - started) / 1000;
  if (!full.complete || full.itemErrors.length > 0)
    throw new Error(`sync failed: ${full.error ?? full.itemErrors[0]}`);

  started = performance.now();
  const again = await services.catalog.syncSite(site, { pageSize: 500 }, CLI_ACTOR);
  const resyncSeconds = (performance.now() - started) / 1000;
  if (again.tallies.programs.updated + again.tallies.programs.created > 0)
    throw new Error('the re-sync wrote programs');
  return { engine, items, fullSeconds, resyncSeconds, target };
}

export async function benchCatalogSync(argv: string[]): Promise<CatalogBenchResult[]> {
  const { values } = parseArgs({
    args: argv,
    options: {
      programs: { type: 'string', default: '10000' },
      runs: { type: 'string', default: '5' },
      postgres: {
        type: 'string',
        default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      },
    },
    allowPositionals: true,
  });
  const data = generateCatalog({ programs: Number(values.programs), runsPerProgram: Number(values.runs) });
  const items =
    data.organizations.length + data.courses.length * 2 + data.programs.length + data.pathways.length;
  const catalog = await startFakeCatalog({ data });
  const results: CatalogBenchResult[] = [];
  try {
    const pglite = await openDatabase('pglite:memory');
    try {
      results.push(await measure('PGlite', pglite, catalog.apiUrl, 60, items));
    } finally {
      await pglite.close();
    }

    const admin = new pg.Client({ connectionString: values.postgres });
    const name = `laurel_bench_${randomUUID().replace(/-/g, '')}`;
    try {
      await admin.connect();
      await admin.query(`create database "${name}"`);
    } catch (error) {
      console.error(`PostgreSQL skipped (${values.postgres}): ${(error as Error).message}`);
      return results;
    }
    const url = new URL(values.postgres);
    url.pathname = `/${name}`;
    const postgres = await openDatabase(url.toString(), { poolSize: 4 });
    try {
      results.push(await measure('PostgreSQL', postgres, catalog.apiUrl, 30, items));
    } finally {
      await postgres.close();
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
    return results;
  } finally {
    await catalog.stop();
  }
}
