import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLms, SERVICE_CLIENT, startFakeLms } from '../../../test/fake-upstream/lms.ts';
import { useFreshDatabaseEnv } from '../../../test/helpers/fresh-database-url.ts';
import { runCli } from '../../../test/helpers/processes.ts';
import { openDatabase } from '../../platform/db/database.ts';
import { users } from './users.schema.ts';

describe('laurel users sync-from-lms', () => {
  const fresh = useFreshDatabaseEnv();
  let lms: FakeLms;

  beforeAll(async () => {
    lms = await startFakeLms();
  });
  afterAll(() => lms?.stop());

  it('fills what the LMS knows and reports the rest', async () => {
    const configured = await runCli(
      [
        'sites',
        'update',
        '--domain',
        'localhost',
        '--lms-url',
        lms.url,
        '--oauth-client-id',
        SERVICE_CLIENT.id,
        '--oauth-client-secret',
        SERVICE_CLIENT.secret,
      ],
      fresh.env,
    );
    expect(configured.code, configured.stderr).toBe(0);
    // Learners Laurel knows only by username (the CLI has released the database).
    const database = await openDatabase(fresh.env.DATABASE_URL ?? '');
    await database.db
      .insert(users)
      .values([{ username: 'learner' }, { username: 'edx' }, { username: 'ghost' }]);
    await database.close();

    const result = await runCli(['users', 'sync-from-lms', '--batch-size', '2'], fresh.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('3 users lacked data: 2 updated, 1 unknown to the LMS.');

    const bad = await runCli(['users', 'sync-from-lms', '--batch-size', '0'], fresh.env);
    expect(bad.code).toBe(2);
  });
});
