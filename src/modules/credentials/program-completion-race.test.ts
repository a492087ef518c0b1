import { sql } from 'drizzle-orm';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startApiEnv } from '../../../test/helpers/api-env.ts';
import { onPostgres } from '../../../test/helpers/engine.ts';
import { lockWaits } from '../../../test/helpers/lock-waits.ts';
import { buildApp } from '../../app.ts';
import { queryRows } from '../../platform/db/database.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';

// Two instances working jobs side by side, and a second connection holding a row lock to line their
// jobs up: PostgreSQL only.
describe.runIf(onPostgres)('program completion with jobs running side by side', () => {
  it('never leaves a program credential revoked after its course is earned again', async () => {
    const env = await startApiEnv();
    const other = await buildApp(env.t.config, { database: env.t.database, jobPollingIntervalSeconds: 0.5 });
    const locker = new pg.Client({ connectionString: env.t.config.databaseUrl });
    try {
      await env.t.app.laurel.services.sites.update(
        'localhost',
        { revokeProgramsWithCourses: true },
        CLI_ACTOR,
      );
      const program = await env.configureProgram();
      const runKeys = program.courses.map((course) => course.course_runs[0]!.key);
      for (const key of runKeys) await env.award('flapping', key);
      await env.completionSettled();
      const programCredential = () =>
        queryRows<{ id: number; status: string }>(
          env.t.database.db,
          sql`select uc.id::int as id, uc.status from user_credentials uc
              join users u on u.id = uc.user_id join credential_configs cc on cc.id = uc.config_id
              where u.username = 'flapping' and cc.kind = 'program'`,
        );
      const [held] = await programCredential();
      expect(held?.status).toBe('awarded');

      // Whatever job writes the program credential waits on this lock until it is let go.
      await locker.connect();
      await locker.query('begin');
      await locker.query('select 1 from user_credentials where id = $1 for update', [held!.id]);

      // The LMS revokes a course, then awards it again: the first job sees the program incomplete,
      // the second, on the other instance, sees it complete while the first is still writing.
      const lms = await env.as('lms_worker');
      const post = async (status: string) => {
        const response = await env.t.app.inject({
          method: 'POST',
          url: '/api/v2/credentials/',
          headers: lms,
          payload: {
            username: 'flapping',
            status,
            credential: { course_run_key: runKeys[0], mode: 'verified' },
          },
        });
        expect(response.statusCode).toBe(201);
      };
      await post('revoked');
      await lockWaits(locker, 'the first completion job to wait for the lock');
      await post('awarded');
      await lockWaits(locker, 'the second completion job to wait too', { count: 2 });

      await locker.query('commit');
      await env.completionSettled();
      expect((await programCredential())[0]?.status).toBe('awarded');
    } finally {
      await locker.end();
      await other.close();
      await env.close();
    }
  });
});
