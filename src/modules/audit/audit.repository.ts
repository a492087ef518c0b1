import { and, count, desc, eq, type SQL, sql } from 'drizzle-orm';
import { type Db, preparedSql } from '../../platform/db/database.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { users } from '../users/users.schema.ts';
import { auditLog } from './audit.schema.ts';

export interface AuditFilter {
  siteId: number;
  action?: string;
  targetType?: string;
  targetId?: string;
}

/** Appends entries given as JSON rows; prepared, as every change writes one. */
const insertStatement = preparedSql(
  'audit_insert',
  sql`
    insert into ${auditLog}
      (site_id, actor_user_id, actor_label, source, action, target_type, target_id, changes, request_id)
    select site_id, actor_user_id, actor_label, source, action, target_type, target_id, changes, request_id
    from jsonb_to_recordset(${sql.placeholder('rows')}::jsonb) as e(
      site_id bigint, actor_user_id bigint, actor_label varchar, source varchar, action varchar,
      target_type varchar, target_id varchar, changes jsonb, request_id text)`,
);

export function createAuditRepository() {
  const where = (filter: AuditFilter): SQL | undefined =>
    and(
      eq(auditLog.siteId, filter.siteId),
      filter.action ? eq(auditLog.action, filter.action) : undefined,
      filter.targetType ? eq(auditLog.targetType, filter.targetType) : undefined,
      filter.targetId ? eq(auditLog.targetId, filter.targetId) : undefined,
    );

  return {
    /** Appends entries in one statement; rows travel as one JSON parameter, cheap however many. */
    async insert(db: Db, values: (typeof auditLog.$inferInsert)[]): Promise<void> {
      const rows = values.map((entry) => ({
        site_id: entry.siteId ?? null,
        actor_user_id: entry.actorUserId ?? null,
        actor_label: entry.actorLabel,
        source: entry.source,
        action: entry.action,
        target_type: entry.targetType,
        target_id: entry.targetId,
        changes: entry.changes ?? {},
        request_id: entry.requestId ?? null,
      }));
      await insertStatement(db, { rows: JSON.stringify(rows) });
    },

    async list(db: Db, filter: AuditFilter, page: Page) {
      const [total] = await db.select({ value: count() }).from(auditLog).where(where(filter));
      const rows = await db
        .select({ entry: auditLog, actorUsername: users.username })
        .from(auditLog)
        .leftJoin(users, eq(users.id, auditLog.actorUserId))
        .where(where(filter))
        .orderBy(desc(auditLog.id))
        .limit(page.limit)
        .offset(page.offset);
      return { count: total?.value ?? 0, rows };
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
