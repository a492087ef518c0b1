import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import { courseRuns, programCourseRuns } from '../catalog/catalog.schema.ts';
import { credentialConfigs, userCredentials } from './credentials.schema.ts';

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
      const rows = await db
        .selectDistinct({ courseId: courseRuns.courseId })
        .from(programCourseRuns)
        .innerJoin(courseRuns, eq(courseRuns.id, programCourseRuns.courseRunId))
        .where(eq(programCourseRuns.programId, programId));
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
