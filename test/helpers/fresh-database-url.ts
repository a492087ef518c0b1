import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase } from './database.ts';
import { onPostgres } from './engine.ts';

/**
 * Environment for child processes (`npm start`, the CLI) that open a database of their own: a new
 * PGlite directory, or a new PostgreSQL database dropped after the suite. Call at suite level; read
 * `.env` inside tests.
 */
export function useFreshDatabaseEnv(): { env: Record<string, string> } {
  const holder = { env: {} as Record<string, string> };
  let dispose = async () => {};
  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'laurel-process-'));
    if (!onPostgres) {
      holder.env = { DATABASE_URL: `pglite:${join(dataDir, 'pglite')}`, DATA_DIR: dataDir };
      return;
    }
    const database = await createTestDatabase();
    holder.env = { DATABASE_URL: database.url, DATA_DIR: dataDir };
    dispose = () => database.close();
  });
  afterAll(() => dispose());
  return holder;
}
