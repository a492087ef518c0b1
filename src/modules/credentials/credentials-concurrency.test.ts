import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeCatalog } from '../../../test/fake-upstream/catalog.ts';
import { type ApiEnv, mintJwt, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';
import { onPostgres } from '../../../test/helpers/engine.ts';
import { lockWaits } from '../../../test/helpers/lock-waits.ts';

describe('concurrent upserts of one credential', () => {
  let env: ApiEnv;
  let t: TestApp;
  let catalog: FakeCatalog;
  let token: string;

  beforeAll(async () => {
    env = await startApiEnv();
    ({ t, catalog } = env);
    token = await mintJwt('lms_worker');
  });
  afterAll(() => env?.close());

  it('leaves exactly one row in the last committed state, with a consistent history', async () => {
    const runKey = catalog.data.courses[1]!.course_runs[0]!.key;
    const statuses = Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? 'revoked' : 'awarded'));
    const responses = await Promise.all(
      statuses.map((status, i) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v2/credentials/',
          headers: { authorization: `JWT ${token}` },
          payload: {
            username: 'racer',
            status,
            credential: { type: 'course-run', course_run_key: runKey, mode: 'verified' },
            attributes: [{ name: 'attempt', value: String(i) }],
          },
        }),
      ),
    );
    expect(responses.map((r) => r.statusCode).every((code) => code === 201)).toBe(true);
    expect(new Set(responses.map((r) => r.json().uuid)).size).toBe(1);

    const rows = (
      (await t.database.db.execute(sql`
        select uc.id, uc.status from user_credentials uc join users u on u.id = uc.user_id where u.username = 'racer'`)) as unknown as {
        rows: { id: number; status: string }[];
      }
    ).rows;
    expect(rows).toHaveLength(1);
    const events = (
      (await t.database.db.execute(sql`
        select type, from_status, to_status from credential_events where user_credential_id = ${rows[0]!.id} order by id`)) as unknown as {
        rows: { type: string; from_status: string | null; to_status: string }[];
      }
    ).rows;
    // Each event starts where the one before ended, and the last ends in the row's state.
    expect(events[0]).toMatchObject({ from_status: null });
    for (let i = 1; i < events.length; i += 1) {
      if (events[i]!.type !== 'changed') expect(events[i]!.from_status).toBe(events[i - 1]!.to_status);
    }
    expect(events.at(-1)!.to_status).toBe(rows[0]!.status);
    const configs = (
      (await t.database.db.execute(
        sql`select count(*)::int as n from credential_configs where course_run_key = ${runKey}`,
      )) as unknown as {
        rows: { n: number }[];
      }
    ).rows[0]!.n;
    expect(configs).toBe(1);
  });

  // A second connection holds the learner's creation so that the deletion lands in between: PostgreSQL only.
  it.runIf(onPostgres)(
    'issues on a configuration deleted under the request as a POST after the deletion would',
    async () => {
      const runKey = catalog.data.courses[2]!.course_runs[0]!.key;
      const headers = { authorization: `JWT ${token}` };
      const configUrl = `/api/v2/course_certificates/${encodeURIComponent(runKey)}/?certificate_type=professional`;
      const configured = await t.app.inject({
        method: 'POST',
        url: '/api/v2/course_certificates/',
        headers,
        payload: { course_id: runKey, certificate_type: 'professional', is_active: true },
      });
      expect(configured.statusCode).toBe(201);
      const locker = new pg.Client({ connectionString: t.config.databaseUrl });
      await locker.connect();
      try {
        await locker.query('begin');
        await locker.query(`insert into users (username) values ('late.learner')`);
        const issued = t.app.inject({
          method: 'POST',
          url: '/api/v2/credentials/',
          headers,
          payload: { username: 'late.learner', credential: { course_run_key: runKey, mode: 'professional' } },
        });
        await lockWaits(locker, 'the POST to wait for its learner');
        expect((await t.app.inject({ method: 'DELETE', url: configUrl, headers })).statusCode).toBe(204);
        await locker.query('rollback');
        expect((await issued).statusCode).toBe(201);
        const [{ n }] = (
          (await t.database.db.execute(
            sql`select count(*)::int as n from credential_configs
              where course_run_key = ${runKey} and mode = 'professional'`,
          )) as unknown as { rows: [{ n: number }] }
        ).rows;
        expect(n).toBe(1);
      } finally {
        await locker.end();
      }
    },
  );
});
