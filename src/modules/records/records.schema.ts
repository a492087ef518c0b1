import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  numeric,
  pgTable,
  timestamp,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/pg-core';
import { id, publicUuid, ref, timestamps } from '../../platform/db/columns.ts';
import { courseRuns, pathways, programs } from '../catalog/catalog.schema.ts';
import { siteId } from '../sites/sites.schema.ts';
import { users } from '../users/users.schema.ts';

/** A learner's grade in a course run, as the LMS last reported it. */
export const grades = pgTable(
  'grades',
  {
    id: id(),
    siteId: siteId(),
    userId: ref('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    courseRunId: ref('course_run_id')
      .notNull()
      .references(() => courseRuns.id, { onDelete: 'restrict' }),
    letterGrade: varchar('letter_grade', { length: 255 }).notNull().default(''),
    /** 0 to 1 with four decimals, e.g. 0.9500; served as a string as Open edX does. */
    percentGrade: numeric('percent_grade', { precision: 5, scale: 4 }).notNull(),
    verified: boolean('verified').notNull().default(true),
    lmsLastUpdatedAt: timestamp('lms_last_updated_at', { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('grades_user_course_run_key').on(t.userId, t.courseRunId),
    index().on(t.courseRunId),
    index().on(t.siteId),
  ],
);

/** A public link to one learner's record of one program. Revoking it stops the link working. */
export const recordShares = pgTable(
  'record_shares',
  {
    id: id(),
    uuid: publicUuid(),
    siteId: siteId(),
    userId: ref('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    programId: ref('program_id')
      .notNull()
      .references(() => programs.id, { onDelete: 'restrict' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('record_shares_active_key')
      .on(t.siteId, t.userId, t.programId)
      .where(sql`${t.revokedAt} IS NULL`),
    index().on(t.userId),
  ],
);

/** A learner's program record sent to a pathway; sending again updates the row. */
export const pathwaySends = pgTable(
  'pathway_sends',
  {
    id: id(),
    siteId: siteId(),
    userId: ref('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    pathwayId: ref('pathway_id')
      .notNull()
      .references(() => pathways.id, { onDelete: 'restrict' }),
    programId: ref('program_id')
      .notNull()
      .references(() => programs.id, { onDelete: 'restrict' }),
    status: varchar('status', { length: 16, enum: ['sent', 'failed'] }).notNull(),
    sendCount: integer('send_count').notNull().default(1),
    lastSentAt: timestamp('last_sent_at', { withTimezone: true }).notNull().defaultNow(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('pathway_sends_user_pathway_program_key').on(t.userId, t.pathwayId, t.programId)],
);
