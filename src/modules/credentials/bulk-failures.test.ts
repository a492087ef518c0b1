import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import { capturingLogger } from '../../../test/helpers/logs.ts';
import { queryRows } from '../../platform/db/database.ts';

describe('bulk issuance when the database refuses the write', () => {
  const lines: Record<string, unknown>[] = [];
  let env: ApiEnv;
  let runKey: string;

  beforeAll(async () => {
    env = await startApiEnv({}, { logger: capturingLogger(lines) });
    runKey = env.catalog.data.courses[0]!.course_runs[0]!.key;
    await env.award('warm.up', runKey);
  });
  afterAll(() => env?.close());

  const learners = ['una.bulk', 'vic.bulk', 'wes.bulk'];
  /** Bulk-issues the run's verified certificate to these learners, with a grade attribute. */
  const issueTo = async (usernames: string[], gradeOf: (username: string) => string = () => '0.9') =>
    env.t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/bulk/',
      headers: await env.as('lms_worker'),
      payload: {
        items: usernames.map((username) => ({
          username,
          credential: { course_run_key: runKey, mode: 'verified' },
          attributes: [{ name: 'grade', value: gradeOf(username) }],
        })),
      },
    });
  const credentialsOf = async (usernames: string[]) =>
    queryRows<{ n: number }>(
      env.t.database.db,
      sql`select count(*)::int as n from user_credentials uc join users u on u.id = uc.user_id
          where u.username in ${usernames}`,
    );

  it('answers each item with the failure, logs it once and writes nothing', async () => {
    // Not a failure any one item causes (a missing table): the items fail together, and are not
    // tried again one by one, each only to meet the same failure.
    await env.t.database.db.execute(sql`alter table credential_events rename to credential_events_away`);
    try {
      const response = await issueTo(learners);
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({ succeeded: 0, failed: 3 });
      for (const [index, result] of body.results.entries()) {
        expect(result).toEqual({
          index,
          status: 500,
          errors: { non_field_errors: ['A server error occurred.'] },
        });
      }
      const failures = lines.filter((line) => line.msg === 'bulk items failed');
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ items: 3, firstIndex: 0, level: 50 });
      expect(JSON.stringify(failures[0])).toContain('credential_events');
    } finally {
      await env.t.database.db.execute(sql`alter table credential_events_away rename to credential_events`);
    }
    expect(await credentialsOf(learners)).toEqual([{ n: 0 }]);
  });

  it('issues the same items once the database is whole again', async () => {
    const response = await issueTo(learners);
    expect(response.json()).toMatchObject({ succeeded: 3, failed: 0 });
    expect(await credentialsOf(learners)).toEqual([{ n: 3 }]);
  });

  it('lets the other items through when the database refuses one of them', async () => {
    // A constraint one item breaks (class 23): the items are written again one by one.
    await env.t.database.db.execute(
      sql`alter table user_credential_attributes add constraint no_poison check (value <> 'poison')`,
    );
    try {
      const others = ['xia.bulk', 'yan.bulk', 'zoe.bulk'];
      const response = await issueTo(others, (username) => (username === 'yan.bulk' ? 'poison' : '0.9'));
      const body = response.json();
      expect(body).toMatchObject({ succeeded: 2, failed: 1 });
      expect(body.results.map((result: { status: number }) => result.status)).toEqual([201, 500, 201]);
      expect(await credentialsOf(others)).toEqual([{ n: 2 }]);
      expect(lines.filter((line) => line.msg === 'bulk items failed').at(-1)).toMatchObject({
        items: 1,
        firstIndex: 1,
      });
    } finally {
      await env.t.database.db.execute(sql`alter table user_credential_attributes drop constraint no_poison`);
    }
  });
});
