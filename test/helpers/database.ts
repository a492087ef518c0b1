import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/platform/db/database.ts';
import { PGLITE_TEMPLATE_PATH, TEMPLATE_DATABASE, TEST_DATABASE_URL, postgresUrlFor } from './engine.ts';

let pgliteTemplate: Blob | undefined;

/**
 * A fresh, migrated database of its own for a test: a PGlite loaded from the template dump, or a new
 * PostgreSQL database copied from the template database (dropped again on close).
 */
export async function createTestDatabase(): Promise<Database & { url: string }> {
  if (!TEST_DATABASE_URL) {
    pgliteTemplate ??= new Blob([readFileSync(PGLITE_TEMPLATE_PATH)]);
    const database = await openDatabase('pglite:memory', { pgliteTemplate });
    return { ...database, url: 'pglite:memory' };
  }
  const name = `laurel_test_${randomUUID().replace(/-/g, '')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`create database "${name}" template "${TEMPLATE_DATABASE}"`);
  } finally {
    await admin.end();
  }
  const url = postgresUrlFor(name);
  const database = await openDatabase(url, { poolSize: 4 });
  return {
    ...database,
    url,
    async close() {
      await database.close();
      const cleanup = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await cleanup.connect();
      await cleanup.query(`drop database if exists "${name}" with (force)`);
      await cleanup.end();
    },
  };
}
