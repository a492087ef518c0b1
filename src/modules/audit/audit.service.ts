import type { Database, Db } from '../../platform/db/database.ts';
import type { Page } from '../../platform/http/pagination.ts';
import type { AuditFilter, AuditRepository } from './audit.repository.ts';

/** Who made a change and through which door; recorded with every write. */
export interface Actor {
  userId?: number;
  /** A username, or `cli`, `system`, `job:<name>` when no user is behind the change. */
  label: string;
  source: 'api' | 'admin' | 'cli' | 'system' | 'job' | 'bulk' | 'event' | 'program-completion';
  requestId?: string;
}

export const SYSTEM_ACTOR: Actor = { label: 'system', source: 'system' };
export const CLI_ACTOR: Actor = { label: 'cli', source: 'cli' };

export interface AuditEntry {
  siteId: number | null;
  action: string;
  targetType: string;
  targetId: string | number;
  /** What changed, `{field: [before, after]}`; secrets must already be masked. */
  changes?: Record<string, unknown>;
}

export function createAuditService({
  database,
  repository,
}: {
  database: Database;
  repository: AuditRepository;
}) {
  return {
    /** Appends an entry through `executor`, normally the transaction that made the change. */
    async record(executor: Db, actor: Actor, entry: AuditEntry): Promise<void> {
      await this.recordMany(executor, [{ actor, entry }]);
    },

    /** Appends several entries in one statement (set-based writers). */
    async recordMany(executor: Db, entries: { actor: Actor; entry: AuditEntry }[]): Promise<void> {
      if (entries.length === 0) return;
      await repository.insert(
        executor,
        entries.map(({ actor, entry }) => ({
          siteId: entry.siteId,
          actorUserId: actor.userId ?? null,
          actorLabel: actor.label,
          source: actor.source,
          action: entry.action,
          targetType: entry.targetType,
          targetId: String(entry.targetId),
          changes: entry.changes ?? {},
          requestId: actor.requestId ?? null,
        })),
      );
    },

    list: (filter: AuditFilter, page: Page) => repository.list(database.db, filter, page),
  };
}

export type AuditService = ReturnType<typeof createAuditService>;

/** `{field: [before, after]}` for the fields that differ; values of `secretFields` are masked. */
export function diffForAudit<T extends Record<string, unknown>>(
  before: T | null,
  after: T,
  secretFields: readonly (keyof T)[] = [],
): Record<string, [unknown, unknown]> {
  const changes: Record<string, [unknown, unknown]> = {};
  for (const key of Object.keys(after) as (keyof T & string)[]) {
    const previous = before?.[key] ?? null;
    const next = after[key] ?? null;
    const same =
      previous instanceof Date && next instanceof Date
        ? previous.getTime() === next.getTime()
        : previous === next;
    if (same) continue;
    changes[key] = secretFields.includes(key)
      ? [previous === null ? null : '[secret]', next === null ? null : '[secret]']
      : [previous, next];
  }
  return changes;
}
