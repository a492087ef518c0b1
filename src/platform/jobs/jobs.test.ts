import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/database.ts';
import { onPostgres } from '../../../test/helpers/engine.ts';
import { waitFor } from '../../../test/helpers/wait.ts';
import type { Database } from '../db/database.ts';
import { createLogger } from '../logger.ts';
import { type JobQueue, createJobQueue } from './jobs.ts';

describe('jobs', () => {
  let database: Database & { url: string };
  let jobs: JobQueue;
  const recorded: string[] = [];
  const flakyAttempts: number[] = [];
  let brokenRuns = 0;
  let running = 0;
  let mostRunning = 0;
  let backlogDone = 0;
  const SECRET = 'not-to-be-kept@example.org';

  beforeAll(async () => {
    database = await createTestDatabase();
    jobs = createJobQueue(database, createLogger('silent'), { pollingIntervalSeconds: 0.5 });
    jobs.define<{ marker: string }>({
      name: 'test-record',
      handler: async ({ marker }) => {
        recorded.push(marker);
      },
    });
    jobs.define({
      name: 'test-flaky',
      retryLimit: 3,
      retryDelaySeconds: 1,
      handler: async () => {
        flakyAttempts.push(Date.now());
        if (flakyAttempts.length < 3) throw new Error(`attempt ${flakyAttempts.length} fails`);
      },
    });
    jobs.define({
      name: 'test-broken',
      retryLimit: 1,
      retryDelaySeconds: 1,
      handler: async () => {
        brokenRuns += 1;
        throw new Error('always fails');
      },
    });
    jobs.define({
      name: 'test-failed-query',
      retryLimit: 0,
      handler: async () => {
        await database.db.execute(sql`select 1 / 0 where ${SECRET}::text is not null`);
        return {};
      },
    });
    jobs.define({
      name: 'test-backlog',
      handler: async () => {
        running += 1;
        mostRunning = Math.max(mostRunning, running);
        await sleep(20);
        running -= 1;
        backlogDone += 1;
      },
    });
    await jobs.start({ work: true });
  });
  afterAll(async () => {
    await jobs.stop();
    await database.close();
  });

  it('never runs a job enqueued in a transaction that rolled back', async () => {
    let rolledBackId = '';
    await expect(
      database.db.transaction(async (tx) => {
        rolledBackId = await jobs.enqueue(tx, 'test-record', { marker: 'rolled-back' });
        throw new Error('change refused');
      }),
    ).rejects.toThrow('change refused');
    const committedId = await database.db.transaction((tx) =>
      jobs.enqueue(tx, 'test-record', { marker: 'committed' }),
    );

    await waitFor(
      async () => (await jobs.get('test-record', committedId))?.state === 'completed',
      'the committed job',
    );
    await sleep(1200); // more than two polls: time for a leaked job to run too
    expect(recorded).toEqual(['committed']);
    expect(rolledBackId).not.toBe('');
    expect(await jobs.get('test-record', rolledBackId)).toBeNull();
  });

  it('retries a failing job with growing delays until it succeeds', async () => {
    const id = await jobs.enqueue(database.db, 'test-flaky', {});
    await waitFor(() => flakyAttempts.length >= 1, 'the first attempt');
    await waitFor(async () => (await jobs.get('test-flaky', id))?.state === 'retry', 'the retry state');
    const waiting = await jobs.get('test-flaky', id);
    expect(waiting?.startAfter.getTime()).toBeGreaterThanOrEqual((flakyAttempts[0] ?? 0) + 900);

    await waitFor(
      async () => (await jobs.get('test-flaky', id))?.state === 'completed',
      'completion',
      20_000,
    );
    const done = await jobs.get('test-flaky', id);
    expect(done?.retryCount).toBe(2);
    expect(flakyAttempts).toHaveLength(3);
    const [first = 0, second = 0, third = 0] = flakyAttempts;
    // Backoff: about retryDelay × 2^(n-1) with jitter, so 1–2 s and then 2–4 s.
    expect(second - first).toBeGreaterThanOrEqual(900);
    expect(third - second).toBeGreaterThanOrEqual(1900);
  });

  it('marks a job failed once its retries are spent', async () => {
    const id = await jobs.enqueue(database.db, 'test-broken', {});
    await waitFor(
      async () => (await jobs.get('test-broken', id))?.state === 'failed',
      'the failed state',
      20_000,
    );
    expect(brokenRuns).toBe(2);
  });

  it("keeps a failed query's error without the values it was given", async () => {
    const id = await jobs.enqueue(database.db, 'test-failed-query', {});
    await waitFor(async () => (await jobs.get('test-failed-query', id))?.state === 'failed', 'the failure');
    const { output } = (await jobs.get('test-failed-query', id))!;
    expect(output).toMatchObject({ type: 'DrizzleQueryError', cause: { code: '22012' } });
    expect(JSON.stringify(output)).not.toContain(SECRET);
  });

  it('drains a backlog without waiting a polling interval for each job', async () => {
    const backlog = 100;
    await database.db.transaction(async (tx) => {
      for (let i = 0; i < backlog; i++) await jobs.enqueue(tx, 'test-backlog', {});
    });
    // One job per poll (0.5 s here) would take 50 s.
    await waitFor(() => backlogDone === backlog, 'the backlog', 15_000);
    expect(mostRunning).toBeGreaterThan(1);
  });

  it('counts the jobs not done yet, by kind and state', async () => {
    const before = await jobs.pending(5000);
    const waiting = (pending: typeof before) =>
      pending.find((entry) => entry.name === 'test-record' && entry.state === 'created')?.count;
    expect(before).toContainEqual({ name: 'test-broken', state: 'active', count: 0 });
    await jobs.enqueue(database.db, 'test-record', { marker: 'later' }, { startAfterSeconds: 3600 });
    expect(waiting(await jobs.pending(5000))).toBe((waiting(before) ?? 0) + 1);
  });

  // PGlite has one connection, so nothing else can hold the lock there.
  it.runIf(onPostgres)('gives up a count that waits too long, and frees its connection', async () => {
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('lock table pgboss.job in access exclusive mode');
      const started = Date.now();
      // 57014: PostgreSQL cancelled the statement (statement_timeout).
      await expect(jobs.pending(300)).rejects.toMatchObject({ cause: { code: '57014' } });
      expect(Date.now() - started).toBeLessThan(3000);
      await holder.query('rollback');
      // The connection the count used went back to the pool in working order.
      expect((await jobs.pending(5000)).length).toBeGreaterThan(0);
    } finally {
      await holder.end();
    }
  });

  it('refuses to enqueue a job nobody defined', async () => {
    await expect(jobs.enqueue(database.db, 'no-such-job', {})).rejects.toThrow('unknown job no-such-job');
  });
});
