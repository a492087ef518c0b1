import { bigint, index, jsonb, pgTable, text, timestamp, varchar } from 'drizzle-orm/pg-core';
import { id, ref } from '../../platform/db/columns.ts';
import { sites } from '../sites/sites.schema.ts';
import { users } from '../users/users.schema.ts';

/**
 * Append-only record of every administrative and API write: who did what to which object, from
 * where. A trigger refuses UPDATE and DELETE. Site is null for global changes (sites, users).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: id(),
    siteId: bigint('site_id', { mode: 'number' }).references(() => sites.id, { onDelete: 'restrict' }),
    actorUserId: ref('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    /** How the actor is described when there is no user row: `cli`, `system`, `job:<name>`. */
    actorLabel: varchar('actor_label', { length: 150 }).notNull(),
    source: varchar('source', { length: 32 }).notNull(),
    action: varchar('action', { length: 64 }).notNull(),
    targetType: varchar('target_type', { length: 64 }).notNull(),
    targetId: varchar('target_id', { length: 64 }).notNull(),
    changes: jsonb('changes').notNull().default({}),
    requestId: text('request_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.siteId, t.createdAt), index().on(t.targetType, t.targetId)],
);
