import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startApiEnv } from '../../../test/helpers/api-env.ts';
import { onPostgres } from '../../../test/helpers/engine.ts';
import { queryRows } from '../db/database.ts';
import { lockWaits } from '../../../test/helpers/lock-waits.ts';

// A second connection holding a lock keeps a request waiting in the database: PostgreSQL only.
describe.runIf(onPostgres)('closing the app while a request is still being handled', () => {
  it('lets the handler of a client that went away finish before closing', async () => {
    const env = await startApiEnv();
    const locker = new pg.Client({ connectionString: env.t.config.databaseUrl });
    try {
      const runKey = env.catalog.data.courses[0]!.course_runs[0]!.key;
      await env.award('warm.up', runKey);
      const address = new URL(await env.t.app.listen({ host: '127.0.0.1', port: 0 }));
      await locker.connect();
      await locker.query('begin');
      await locker.query('lock table users in access exclusive mode');

      const body = JSON.stringify({
        username: 'left.early',
        credential: { course_run_key: runKey, mode: 'verified' },
        status: 'awarded',
      });
      const client = connect(Number(address.port), address.hostname);
      client.on('error', () => {});
      client.write(
        [
          'POST /api/v2/credentials/ HTTP/1.1',
          'host: localhost',
          `authorization: ${(await env.as('lms_worker')).authorization}`,
          'content-type: application/json',
          `content-length: ${Buffer.byteLength(body)}`,
          '',
          body,
        ].join('\r\n'),
      );
      await lockWaits(locker, 'the request to wait for the lock', { event: 'relation' });
      client.destroy();

      let closed = false;
      const closing = env.t.app.close().then(() => (closed = true));
      await sleep(300);
      expect(closed).toBe(false);
      await locker.query('commit');
      await closing;
      const written = await queryRows<{ n: number }>(
        env.t.database.db,
        sql`select count(*)::int as n from user_credentials uc join users u on u.id = uc.user_id
            where u.username = 'left.early'`,
      );
      expect(written).toEqual([{ n: 1 }]);
    } finally {
      await locker.end();
      await env.close();
    }
  });
});
