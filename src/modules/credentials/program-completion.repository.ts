import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import { courseRuns, programCourseRuns, programs } from '../catalog/catalog.schema.ts';
import { users } from '../users/users.schema.ts';
import { credentialConfigs, userCredentials } from './credentials.schema.ts';
import type { LearnerCredential } from './program-completion.ts';

/** The courses a program's runs belong to, as a subquery. */
const coursesOf = (db: Db, programId: number) =>
  db
    .selectDistinct({ courseId: courseRuns.courseId })
    .from(programCourseRuns)
    .innerJoin(courseRuns, eq(courseRuns.id, programCourseRuns.courseRunId))
    .where(eq(programCourseRuns.programId, programId));

/** The reads program completion needs: what programs need, what learners hold, who may hold one. */
export function createProgramCompletionRepository() {
  return {
    /** The site's program configurations, each with the courses of its program's runs. */
    structure(db: Db, siteId: number) {
      return db
        .select({
          configId: credentialConfigs.id,
          isActive: credentialConfigs.isActive,
          courseId: courseRuns.courseId,
        })
        .from(credentialConfigs)
        .innerJoin(programCourseRuns, eq(programCourseRuns.programId, credentialConfigs.programId))
        .innerJoin(courseRuns, eq(courseRuns.id, programCourseRuns.courseRunId))
        .where(and(eq(credentialConfigs.siteId, siteId), eq(credentialConfigs.kind, 'program')));
    },

    /** Every credential of these learners on the site, with the course of each run. */
    learnerCredentials(db: Db, siteId: number, userIds: number[]): Promise<LearnerCredential[]> {
      return db
        .select({
          userId: userCredentials.userId,
          configId: userCredentials.configId,
          status: userCredentials.status,
          kind: credentialConfigs.kind,
          mode: credentialConfigs.mode,
          runKey: credentialConfigs.courseRunKey,
          courseId: courseRuns.courseId,
        })
        .from(userCredentials)
        .innerJoin(credentialConfigs, eq(credentialConfigs.id, userCredentials.configId))
        .leftJoin(
          courseRuns,
          and(
            eq(courseRuns.siteId, credentialConfigs.siteId),
            eq(courseRuns.key, credentialConfigs.courseRunKey),
          ),
        )
        .where(and(eq(userCredentials.siteId, siteId), inArray(userCredentials.userId, userIds)));
    },

    /** The site's program configurations, or the one of a program. */
    async programConfigs(db: Db, siteId: number, programUuid?: string) {
      return db
        .select({
          id: credentialConfigs.id,
          programId: credentialConfigs.programId,
          isActive: credentialConfigs.isActive,
          programUuid: programs.uuid,
        })
        .from(credentialConfigs)
        .innerJoin(programs, eq(programs.id, credentialConfigs.programId))
        .where(
          and(
            eq(credentialConfigs.siteId, siteId),
            eq(credentialConfigs.kind, 'program'),
            programUuid ? eq(programs.uuid, programUuid) : undefined,
          ),
        );
    },

    /** Learners who may hold a program: any credential in one of its courses, or the program's own. */
    async candidates(db: Db, siteId: number, programId: number, configId: number, username?: string) {
      const courses = coursesOf(db, programId);
      const runKeys = db
        .select({ key: courseRuns.key })
        .from(courseRuns)
        .where(and(eq(courseRuns.siteId, siteId), inArray(courseRuns.courseId, courses)));
      return db
        .selectDistinct({ userId: userCredentials.userId, username: users.username })
        .from(userCredentials)
        .innerJoin(users, eq(users.id, userCredentials.userId))
        .innerJoin(credentialConfigs, eq(credentialConfigs.id, userCredentials.configId))
        .where(
          and(
            eq(userCredentials.siteId, siteId),
            or(eq(credentialConfigs.id, configId), inArray(credentialConfigs.courseRunKey, runKeys)),
            username ? eq(sql`lower(${users.username})`, username.toLowerCase()) : undefined,
          ),
        );
    },

    /**
     * The date of a learner's program credential: the latest date of their awarded course credentials
     * in counting modes in the program's courses, each dated by its certificate available date, else
     * when it was awarded.
     */
    async programDate(
      db: Db,
      siteId: number,
      userId: number,
      programId: number,
      modes: string[],
    ): Promise<Date | null> {
      const courses = coursesOf(db, programId);
      const [row] = await db
        .select({
          date: sql<
            Date | string | null
          >`max(coalesce(${credentialConfigs.certificateAvailableDate}, ${userCredentials.awardedAt}))`,
        })
        .from(userCredentials)
        .innerJoin(credentialConfigs, eq(credentialConfigs.id, userCredentials.configId))
        .innerJoin(
          courseRuns,
          and(
            eq(courseRuns.siteId, credentialConfigs.siteId),
            eq(courseRuns.key, credentialConfigs.courseRunKey),
          ),
        )
        .where(
          and(
            eq(userCredentials.siteId, siteId),
            eq(userCredentials.userId, userId),
            eq(userCredentials.status, 'awarded'),
            eq(credentialConfigs.kind, 'course-run'),
            sql`${credentialConfigs.mode} = any(${`{${modes.join(',')}}`}::text[])`,
            inArray(courseRuns.courseId, courses),
          ),
        );
      return row?.date ? new Date(row.date) : null;
    },
  };
}

export type ProgramCompletionRepository = ReturnType<typeof createProgramCompletionRepository>;
