/**
 * Migrates a template database once per run; every test then starts from a copy of it, which is far
 * cheaper than migrating per test. PGlite: a dump of a migrated in-memory database. PostgreSQL: a
 * template database that `CREATE DATABASE … TEMPLATE` copies.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase } from '../src/platform/db/database.ts';
import { runMigrations } from '../src/platform/db/migrate.ts';
import { createJobQueue } from '../src/platform/jobs/jobs.ts';
import { createLogger } from '../src/platform/logger.ts';
import {
  PGLITE_TEMPLATE_PATH,
  TEMPLATE_DATABASE,
  TEST_DATABASE_URL,
  postgresUrlFor,
} from './helpers/engine.ts';

async function migrateWithJobSchema(url: string) {
  const database = await openDatabase(url);
  await runMigrations(database);
  const jobs = createJobQueue(database, createLogger('silent'));
  await jobs.start({ work: false });
  await jobs.stop();
  return database;
}

export default async function setup(): Promise<() => Promise<void>> {
  if (!TEST_DATABASE_URL) {
    const database = await migrateWithJobSchema('pglite:memory');
    if (!database.pglite) throw new Error('pglite:memory did not open an embedded database');
    const dump = await database.pglite.dumpDataDir('gzip');
    await database.close();
    const path = fileURLToPath(PGLITE_TEMPLATE_PATH);
    mkdirSync(fileURLToPath(new URL('.', PGLITE_TEMPLATE_PATH)), { recursive: true });
    writeFileSync(path, Buffer.from(await dump.arrayBuffer()));
    return async () => {};
  }

  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  const leftovers = await admin.query<{ datname: string }>(
    "select datname from pg_database where datname like 'laurel_test_%'",
  );
  for (const { datname } of leftovers.rows)
    await admin.query(`drop database if exists "${datname}" with (force)`);
  await admin.query(`create database "${TEMPLATE_DATABASE}"`);
  const database = await migrateWithJobSchema(postgresUrlFor(TEMPLATE_DATABASE));
  await database.close();
  return async () => {
    await admin.query(`drop database if exists "${TEMPLATE_DATABASE}" with (force)`);
    await admin.end();
  };
}
