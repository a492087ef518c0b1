import { and, count, desc, eq, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { users } from '../users/users.schema.ts';
import { auditLog } from './audit.schema.ts';

export interface AuditFilter {
  siteId: number;
  action?: string;
  targetType?: string;
  targetId?: string;
}

export function createAuditRepository() {
  const where = (filter: AuditFilter): SQL | undefined =>
    and(
      eq(auditLog.siteId, filter.siteId),
      filter.action ? eq(auditLog.action, filter.action) : undefined,
      filter.targetType ? eq(auditLog.targetType, filter.targetType) : undefined,
      filter.targetId ? eq(auditLog.targetId, filter.targetId) : undefined,
    );

  return {
    async insert(db: Db, values: (typeof auditLog.$inferInsert)[]): Promise<void> {
      await db.insert(auditLog).values(values);
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
