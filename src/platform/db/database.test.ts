import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/database.ts';
import { onPostgres } from '../../../test/helpers/engine.ts';
import { openDatabase, queryRows } from './database.ts';

describe('PostgreSQL connections', () => {
  it.skipIf(!onPostgres)(
    'run every statement without JIT compilation, keeping the options the URL gives',
    async () => {
      const database = await createTestDatabase();
      const url = new URL(database.url);
      url.searchParams.set('options', '-c statement_timeout=4321');
      const withOptions = await openDatabase(url.toString(), { poolSize: 4 });
      try {
        // Held at once, so that each runs on a connection of its own.
        const settings = await Promise.all(
          Array.from({ length: 4 }, () =>
            queryRows<{ jit: string; timeout: string }>(
              withOptions.db,
              sql`select current_setting('jit') as jit, current_setting('statement_timeout') as timeout,
                pg_sleep(0.05)`,
            ),
          ),
        );
        expect(settings.map(([row]) => [row?.jit, row?.timeout])).toEqual(
          Array.from({ length: 4 }, () => ['off', '4321ms']),
        );
        const [plain] = await queryRows<{ jit: string }>(
          database.db,
          sql`select current_setting('jit') as jit`,
        );
        expect(plain?.jit).toBe('off');
      } finally {
        await withOptions.close();
        await database.close();
      }
    },
  );
});
