import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import { courseRuns, programCourseRuns, programs } from '../catalog/catalog.schema.ts';
import { users } from '../users/users.schema.ts';
import { credentialConfigs, userCredentials } from './credentials.schema.ts';

/** The courses a program's runs belong to, as a subquery. */
const coursesOf = (db: Db, programId: number) =>
  db
    .selectDistinct({ courseId: courseRuns.courseId })
    .from(programCourseRuns)
    .innerJoin(courseRuns, eq(courseRuns.id, programCourseRuns.courseRunId))
    .where(eq(programCourseRuns.programId, programId));

/** The reads program completion needs: which programs a run belongs to, which courses a learner has. */
export function createProgramCompletionRepository() {
  return {
    /** Programs (with a certificate configuration) that contain any run of the course of this run. */
    async programConfigsForRun(db: Db, siteId: number, runKey: string) {
      const course = db
        .select({ id: courseRuns.courseId })
        .from(courseRuns)
        .where(and(eq(courseRuns.siteId, siteId), eq(courseRuns.key, runKey)));
      const programIds = db
        .selectDistinct({ id: programCourseRuns.programId })
        .from(programCourseRuns)
        .innerJoin(courseRuns, eq(courseRuns.id, programCourseRuns.courseRunId))
        .where(inArray(courseRuns.courseId, course));
      return db
        .select({
          id: credentialConfigs.id,
          programId: credentialConfigs.programId,
          isActive: credentialConfigs.isActive,
        })
        .from(credentialConfigs)
        .where(
          and(
            eq(credentialConfigs.siteId, siteId),
            eq(credentialConfigs.kind, 'program'),
            inArray(credentialConfigs.programId, programIds),
          ),
        );
    },

    /** The courses a program's runs belong to. */
    async programCourses(db: Db, programId: number): Promise<Set<number>> {
      const rows = await coursesOf(db, programId);
      return new Set(rows.map((row) => row.courseId));
    },

    /** The courses in which the learner holds an awarded course credential in one of `modes`. */
    async completedCourses(db: Db, siteId: number, userId: number, modes: string[]): Promise<Set<number>> {
      const rows = await db
        .selectDistinct({ courseId: courseRuns.courseId })
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
          ),
        );
      return new Set(rows.map((row) => row.courseId));
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

    async credentialStatus(db: Db, userId: number, configId: number) {
      const [row] = await db
        .select({ status: userCredentials.status })
        .from(userCredentials)
        .where(and(eq(userCredentials.userId, userId), eq(userCredentials.configId, configId)));
      return row?.status ?? null;
    },
  };
}

export type ProgramCompletionRepository = ReturnType<typeof createProgramCompletionRepository>;
