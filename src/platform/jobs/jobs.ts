import { sql } from 'drizzle-orm';
import { type JobResult, PgBoss, fromDrizzle, fromPglite } from 'pg-boss';

/** What pg-boss needs of a Drizzle transaction. */
type DrizzleExecutor = Parameters<typeof fromDrizzle>[0];
import { type Database, type Db, queryRows } from '../db/database.ts';
import { type Logger, serializeError } from '../logger.ts';

/**
 * Background jobs on pg-boss, in the application's own database. Work that a change sets off is
 * enqueued through the same transaction as the change: if the change rolls back, the job was never
 * there. Handlers must be idempotent, because a job can run more than once (retries, crashes).
 */
export interface JobDefinition<T extends object> {
  name: string;
  /** What it returns is kept as the job's output. */
  handler: (data: T, context: { id: string; retryCount: number }) => Promise<object | undefined>;
  /** Run on this cron schedule (UTC) as well as when enqueued. */
  cron?: string;
  /** Retries after the first failure (default 5). */
  retryLimit?: number;
  /** Seconds before the first retry; doubles on each retry with jitter (default 5). */
  retryDelaySeconds?: number;
  retryDelayMaxSeconds?: number;
  /** Seconds a run may take before it counts as failed (default 900). */
  expireInSeconds?: number;
  /** Jobs of this kind an instance takes per fetch and runs side by side (default 10). */
  concurrency?: number;
}

export interface JobState {
  id: string;
  name: string;
  data: unknown;
  state: 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';
  retryCount: number;
  startAfter: Date;
  createdOn: Date;
  completedOn: Date | null;
  output: unknown;
}

export interface JobQueue {
  define<T extends object>(definition: JobDefinition<T>): void;
  /** Enqueues inside `executor`, a transaction or the database itself. Returns the job id. */
  enqueue<T extends object>(
    executor: Db,
    name: string,
    data: T,
    options?: { startAfterSeconds?: number; singletonKey?: string },
  ): Promise<string>;
  get(name: string, id: string): Promise<JobState | null>;
  /**
   * Jobs not done yet, for every kind defined and each unfinished state (zero included). PostgreSQL
   * gives up the count after `timeoutMs`, so a slow count frees its connection instead of holding it.
   */
  pending(timeoutMs: number): Promise<{ name: string; state: PendingState; count: number }[]>;
  start(options: { work: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** The states of a job that is not done: waiting to run (first time or again) or running. */
const PENDING_STATES = ['created', 'retry', 'active'] as const;
export type PendingState = (typeof PENDING_STATES)[number];

export interface JobQueueOptions {
  /** Seconds between polls for new work (pg-boss minimum 0.5). */
  pollingIntervalSeconds?: number;
}

/** Jobs of a kind taken per fetch and run side by side, unless the definition says otherwise. */
const DEFAULT_CONCURRENCY = 10;

function createBoss(database: Database, schedule: boolean): PgBoss {
  const common = { schedule, migrate: true } as const;
  if (database.engine === 'pglite' && database.pglite) {
    return new PgBoss({ ...common, db: fromPglite(database.pglite), backend: 'pglite' });
  }
  return new PgBoss({ ...common, connectionString: database.url, max: 4, application_name: 'laurel-jobs' });
}

export function createJobQueue(database: Database, logger: Logger, options: JobQueueOptions = {}): JobQueue {
  const definitions = new Map<string, JobDefinition<object>>();
  let boss: PgBoss | undefined;
  const started = () => {
    if (!boss) throw new Error('the job queue has not started');
    return boss;
  };

  return {
    define(definition) {
      if (boss) throw new Error(`job ${definition.name} defined after the queue started`);
      if (definitions.has(definition.name)) throw new Error(`job ${definition.name} defined twice`);
      definitions.set(definition.name, definition as JobDefinition<object>);
    },

    async enqueue(executor, name, data, enqueueOptions = {}) {
      if (!definitions.has(name)) throw new Error(`unknown job ${name}`);
      const id = await started().send(name, data, {
        db: fromDrizzle(executor as unknown as DrizzleExecutor, sql),
        startAfter: enqueueOptions.startAfterSeconds,
        singletonKey: enqueueOptions.singletonKey,
      });
      if (!id) throw new Error(`job ${name} was not enqueued`);
      return id;
    },

    async get(name, id) {
      const job = await started().getJobById(name, id);
      if (!job) return null;
      return {
        id: job.id,
        name: job.name,
        data: job.data,
        state: job.state,
        retryCount: job.retryCount,
        startAfter: job.startAfter,
        createdOn: job.createdOn,
        completedOn: job.completedOn,
        output: job.output,
      };
    },

    async pending(timeoutMs) {
      const names = [...definitions.keys()];
      const rows = await database.db.transaction(async (tx) => {
        await tx.execute(sql.raw(`set local statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`));
        return queryRows<{ name: string; state: string; count: number }>(
          tx,
          sql`select name, state::text as state, count(*)::int as count from pgboss.job
            where name in (select jsonb_array_elements_text(${JSON.stringify(names)}::jsonb))
              and state::text in (select jsonb_array_elements_text(${JSON.stringify(PENDING_STATES)}::jsonb))
            group by name, state`,
        );
      });
      const counted = new Map(rows.map((row) => [`${row.name}:${row.state}`, row.count]));
      return names.flatMap((name) =>
        PENDING_STATES.map((state) => ({ name, state, count: counted.get(`${name}:${state}`) ?? 0 })),
      );
    },

    async start({ work }) {
      const scheduled = work && [...definitions.values()].some((definition) => definition.cron);
      const instance = createBoss(database, scheduled);
      instance.on('error', (error) => logger.error({ err: error }, 'job queue error'));
      await instance.start();
      boss = instance;
      for (const definition of definitions.values()) {
        await instance.createQueue(definition.name, {
          retryLimit: definition.retryLimit ?? 5,
          retryDelay: definition.retryDelaySeconds ?? 5,
          retryBackoff: true,
          retryDelayMax: definition.retryDelayMaxSeconds ?? 3600,
          expireInSeconds: definition.expireInSeconds ?? 900,
        });
        if (!work) continue;
        if (definition.cron) await instance.schedule(definition.name, definition.cron, {}, { tz: 'UTC' });
        else await instance.unschedule(definition.name);
        await instance.work<object>(
          definition.name,
          {
            pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2,
            includeMetadata: true,
            // Several jobs per fetch, and fetch again at once while fetches come back full: a
            // backlog drains as fast as the handlers run, not one job per polling interval.
            batchSize: definition.concurrency ?? DEFAULT_CONCURRENCY,
            burstWhenBatchFull: true,
            // Each job of a fetch succeeds or fails (and is retried) on its own.
            perJobResults: true,
          },
          (fetched) =>
            Promise.all(
              fetched.map(async (job): Promise<JobResult> => {
                try {
                  const output = await definition.handler(job.data, {
                    id: job.id,
                    retryCount: job.retryCount,
                  });
                  return { id: job.id, status: 'completed', output };
                } catch (error) {
                  logger.warn(
                    { err: error, job: job.name, jobId: job.id, retryCount: job.retryCount },
                    'job failed',
                  );
                  // Kept in pgboss.job: as a log line would show it, without a failed query's values.
                  return { id: job.id, status: 'failed', output: serializeError(error) as object };
                }
              }),
            ),
        );
      }
    },

    async stop() {
      if (!boss) return;
      const instance = boss;
      boss = undefined;
      await instance.stop({ graceful: true, timeout: 5000, close: true });
    },
  };
}
