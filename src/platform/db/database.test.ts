import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/database.ts';
import { onPostgres } from '../../../test/helpers/engine.ts';
import { queryRows } from './database.ts';

describe('PostgreSQL connections', () => {
  it.skipIf(!onPostgres)('run every statement without JIT compilation, on every connection', async () => {
    const database = await createTestDatabase();
    try {
      // Held at once, so that each runs on a connection of its own.
      const settings = await Promise.all(
        Array.from({ length: 4 }, () =>
          queryRows<{ jit: string }>(database.db, sql`select current_setting('jit') as jit, pg_sleep(0.05)`),
        ),
      );
      expect(settings.map(([row]) => row?.jit)).toEqual(['off', 'off', 'off', 'off']);
    } finally {
      await database.close();
    }
  });
});
