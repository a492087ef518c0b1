import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeCatalog, startFakeCatalog } from '../../../test/fake-upstream/catalog.ts';
import { type TestApp, createTestApp } from '../../../test/helpers/app.ts';
import { waitFor } from '../../../test/helpers/wait.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';
import { CATALOG_SYNC_ALL_JOB, cronFor } from './catalog.service.ts';

describe('scheduled catalog sync', () => {
  let t: TestApp;
  let catalog: FakeCatalog;

  beforeAll(async () => {
    catalog = await startFakeCatalog();
    t = await createTestApp({ CATALOG_SYNC_INTERVAL_MINUTES: '15' });
    const { sites } = t.app.laurel.services;
    await sites.update('localhost', { catalogApiUrl: catalog.apiUrl }, CLI_ACTOR);
    await sites.create({ domain: 'two.example.org', name: 'Two', catalogApiUrl: catalog.apiUrl }, CLI_ACTOR);
    await sites.create({ domain: 'none.example.org', name: 'No catalog' }, CLI_ACTOR);
  });
  afterAll(async () => {
    await t?.close();
    await catalog?.stop();
  });

  it.each([
    [15, '*/15 * * * *'],
    [60, '0 */1 * * *'],
    [360, '0 */6 * * *'],
    [1440, '0 0 * * *'],
  ])('turns %i minutes into the cron expression %s', (minutes, cron) => {
    expect(cronFor(minutes)).toBe(cron);
  });

  it('registers the schedule with the job queue', async () => {
    const result = await t.database.db.execute(sql`select name, cron from pgboss.schedule`);
    expect((result as unknown as { rows: unknown[] }).rows).toContainEqual({
      name: CATALOG_SYNC_ALL_JOB,
      cron: '*/15 * * * *',
    });
  });

  it('queues a copy of every site that has a catalog, and the copies run', async () => {
    const { jobs } = t.app.laurel;
    const id = await jobs.enqueue(t.database.db, CATALOG_SYNC_ALL_JOB, {});
    await waitFor(
      async () => (await jobs.get(CATALOG_SYNC_ALL_JOB, id))?.state === 'completed',
      'the scheduled job',
    );
    const { queued } = (await jobs.get(CATALOG_SYNC_ALL_JOB, id))?.output as { queued: string[] };
    expect(queued).toHaveLength(2);
    const states = async () =>
      Promise.all(queued.map(async (job) => (await jobs.get('catalog.sync', job))?.state));
    await waitFor(
      async () => (await states()).every((state) => state === 'completed'),
      'the site copies',
      30_000,
    );
    const programs = await t.database.db.execute(sql`select count(*)::int as n from programs`);
    expect((programs as unknown as { rows: { n: number }[] }).rows[0]?.n).toBe(8);
  });
});
