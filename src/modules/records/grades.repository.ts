import { and, eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import { courseRuns } from '../catalog/catalog.schema.ts';
import { users } from '../users/users.schema.ts';
import { grades } from './records.schema.ts';

export type Grade = typeof grades.$inferSelect;
export type GradeValues = Pick<Grade, 'letterGrade' | 'percentGrade' | 'verified' | 'lmsLastUpdatedAt'>;

/** A grade with the names its representation shows. */
export interface GradeRow {
  grade: Grade;
  username: string;
  courseRunKey: string;
}

export function createGradesRepository() {
  const joined = (db: Db) =>
    db
      .select({ grade: grades, username: users.username, courseRunKey: courseRuns.key })
      .from(grades)
      .innerJoin(users, eq(users.id, grades.userId))
      .innerJoin(courseRuns, eq(courseRuns.id, grades.courseRunId));

  return {
    async byId(db: Db, siteId: number, id: number): Promise<GradeRow | undefined> {
      const [row] = await joined(db).where(and(eq(grades.siteId, siteId), eq(grades.id, id)));
      return row;
    },

    /** The grade of this user in this run, locked for the transaction, created first when missing. */
    async lockOrCreate(
      db: Db,
      values: { siteId: number; userId: number; courseRunId: number } & GradeValues,
    ) {
      const inserted = await db
        .insert(grades)
        .values(values)
        .onConflictDoNothing()
        .returning({ id: grades.id });
      const [row] = await db
        .select()
        .from(grades)
        .where(and(eq(grades.userId, values.userId), eq(grades.courseRunId, values.courseRunId)))
        .for('update');
      if (!row) throw new Error('grade vanished while locked');
      return { row, created: inserted.length > 0 };
    },

    async lock(db: Db, siteId: number, id: number): Promise<Grade | undefined> {
      const [row] = await db
        .select()
        .from(grades)
        .where(and(eq(grades.siteId, siteId), eq(grades.id, id)))
        .for('update');
      return row;
    },

    async update(db: Db, id: number, values: Partial<GradeValues>): Promise<void> {
      await db
        .update(grades)
        .set({ ...values, updatedAt: new Date() })
        .where(eq(grades.id, id));
    },
  };
}

export type GradesRepository = ReturnType<typeof createGradesRepository>;
