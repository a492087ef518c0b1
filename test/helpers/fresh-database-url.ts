import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from './database.ts';
import { onPostgres } from './engine.ts';

/**
 * A DATABASE_URL for a child process: a new PGlite directory, or a new PostgreSQL database (whose
 * `dispose` drops it). Child processes open it themselves, as `npm start` and the CLI do.
 */
export async function freshDatabaseUrl(): Promise<{
  url: string;
  dataDir: string;
  dispose(): Promise<void>;
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'laurel-process-'));
  if (!onPostgres) return { url: `pglite:${join(dataDir, 'pglite')}`, dataDir, dispose: async () => {} };
  const database = await createTestDatabase();
  const { url } = database;
  // Only the name is needed here: the child processes open their own connections.
  return { url, dataDir, dispose: () => database.close() };
}
