import type pg from 'pg';
import { waitFor } from './wait.ts';

/**
 * Waits until at least `count` other sessions of the locker's database wait for a lock (of the kind
 * `event` names, `relation` for a table, when given): how a test knows the app has reached the step
 * where a lock its own connection holds stops it.
 */
export function lockWaits(
  locker: pg.Client,
  what: string,
  { count = 1, event }: { count?: number; event?: string } = {},
): Promise<void> {
  return waitFor(async () => {
    const { rows } = await locker.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid()
         and wait_event_type = 'Lock' and ($1::text is null or wait_event = $1)`,
      [event ?? null],
    );
    return (rows[0]?.n ?? 0) >= count;
  }, what);
}
