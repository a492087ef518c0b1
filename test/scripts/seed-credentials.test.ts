import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchLearner, seedCredentials } from '../../scripts/seed-credentials.ts';
import { queryRows } from '../../src/platform/db/database.ts';
import { createTestDatabase } from '../helpers/database.ts';

describe('the credentials dataset for benchmarks (npm run seed:credentials)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.close());

  it('writes learners and credentials, each with a grade, a history event and an audit entry', async () => {
    const result = await seedCredentials(database, {
      credentials: 200,
      perLearner: 10,
      programs: 3,
      runsPerProgram: 2,
      domain: 'seed.example.org',
    });
    // Ten a learner, or as many as there are runs.
    const perLearner = Math.min(10, result.courseRunConfigs);
    expect(result).toMatchObject({ learners: Math.ceil(200 / perLearner), credentials: 200 });
    const [counts] = await queryRows<Record<string, number>>(
      database.db,
      sql`select
        (select count(*)::int from user_credentials where status = 'revoked') as revoked,
        (select count(distinct (user_id, config_id))::int from user_credentials) as distinct_pairs,
        (select count(*)::int from user_credential_attributes where name = 'grade'
           and value ~ '^0\.[5-9][0-9]$') as grades,
        (select count(*)::int from credential_events) as events,
        (select count(*)::int from audit_log where action = 'credential.awarded') as audited,
        (select count(*)::int from users where username = ${benchLearner(result.learners - 1)}) as last_learner`,
    );
    expect(counts).toEqual({
      revoked: 10,
      distinct_pairs: 200,
      grades: 200,
      events: 200,
      audited: 200,
      last_learner: 1,
    });
  });
});
