import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { createJobQueue } from './jobs/jobs.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';

describe('metrics', () => {
  it('still answers, without the job count, when the database does not', async () => {
    const database = await createTestDatabase();
    const jobs = createJobQueue(database, createLogger('silent'));
    jobs.define({ name: 'test-job', handler: async () => undefined });
    const metrics = createMetrics(jobs);
    await database.close();

    const text = await metrics.registry.metrics();
    expect(text).toContain('laurel_process_cpu_user_seconds_total');
    expect(text).not.toMatch(/laurel_jobs_pending\{/);
  });
});
