import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { type Database, openDatabase } from './database.ts';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../migrations', import.meta.url));

/** An arbitrary constant: the advisory lock that makes concurrent starts migrate one at a time. */
const MIGRATION_LOCK = 7_406_331_001;

/** Applies every pending migration from `migrations/`; safe to run from several processes at once. */
export async function runMigrations(database: Database): Promise<void> {
  const config = { migrationsFolder: MIGRATIONS_FOLDER };
  if (database.engine === 'pglite') {
    await migratePglite(database.db as unknown as PgliteDatabase, config);
    return;
  }
  // A connection of its own, without the server's statement limit: building an index on a large
  // table may take longer than any request should.
  if (!database.url) throw new Error('a PostgreSQL database without its URL cannot be migrated');
  const own = await openDatabase(database.url, { poolSize: 1 });
  try {
    await own.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      await migratePg(tx as unknown as NodePgDatabase, config);
    });
  } finally {
    await own.close();
  }
}
