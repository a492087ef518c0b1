import { and, eq, inArray, or, sql } from 'drizzle-orm';
import { type Db, preparedSql } from '../../platform/db/database.ts';
import { courseRuns, programCourseRuns, programs } from '../catalog/catalog.schema.ts';
import { users } from '../users/users.schema.ts';
import { credentialConfigs, userCredentials } from './credentials.schema.ts';
import type { CredentialStatus } from './credential-writes.ts';
import type { Holding } from './program-completion.ts';

/**
 * Learners' credentials in courses and of program configurations, looked up pair by pair through the
 * (learner, configuration) index; prepared, as every completion job runs it. The configurations of
 * the courses' runs are gathered first, once (a few hundred rows), rather than looked up again for
 * each learner: that was a third of the query's time.
 */
const holdingsStatement = preparedSql<{ [K in keyof Holding]: string | null }>(
  'completion_holdings',
  sql`
    with pairs as materialized (
      select * from jsonb_to_recordset(${sql.placeholder('courses')}::jsonb) as p(user_id bigint, course_id bigint)
    ), configs as materialized (
      select cc.id, cc.mode, run.course_id
      from course_runs run
      join credential_configs cc
        on cc.site_id = run.site_id and cc.kind = 'course-run' and cc.course_run_key = run.key
      where run.site_id = ${sql.placeholder('siteId')} and run.course_id in (select course_id from pairs)
    )
    select p.user_id as "userId", uc.config_id as "configId", uc.status, c.mode, p.course_id as "courseId"
    from pairs p
    join configs c on c.course_id = p.course_id
    join user_credentials uc on uc.user_id = p.user_id and uc.config_id = c.id
    union all
    select uc.user_id, uc.config_id, uc.status, null, null
    from jsonb_to_recordset(${sql.placeholder('programs')}::jsonb) as p(user_id bigint, config_id bigint)
    join user_credentials uc on uc.user_id = p.user_id and uc.config_id = p.config_id`,
);

/** The courses a program's runs belong to, as a subquery. */
const coursesOf = (db: Db, programId: number) =>
  db
    .selectDistinct({ courseId: courseRuns.courseId })
    .from(programCourseRuns)
    .innerJoin(courseRuns, eq(courseRuns.id, programCourseRuns.courseRunId))
    .where(eq(programCourseRuns.programId, programId));

/**
 * The first key of the advisory locks program completion takes, one per site (the second key).
 * Any constant would do: it only has to differ from other two-key advisory locks.
 */
const COMPLETION_LOCK = 0x4c435043;

/** The reads program completion needs: what programs need, what learners hold, who may hold one. */
export function createProgramCompletionRepository() {
  return {
    /**
     * Holds the site's completion lock until the transaction ends: decisions about a site's program
     * credentials are read and written one transaction at a time, so none is written over a newer one.
     */
    async lockSite(tx: Db, siteId: number): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(${COMPLETION_LOCK}::int, ${siteId}::int)`);
    },

    /** The site's program configurations, each with the courses of its program's runs. */
    programCourses(db: Db, siteId: number) {
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

    /** Every run of the site's courses that belong to a program, with its course. */
    runsOfProgramCourses(db: Db, siteId: number) {
      const programCourses = db
        .select({ courseId: courseRuns.courseId })
        .from(programCourseRuns)
        .innerJoin(courseRuns, eq(courseRuns.id, programCourseRuns.courseRunId));
      return db
        .select({ key: courseRuns.key, courseId: courseRuns.courseId })
        .from(courseRuns)
        .where(and(eq(courseRuns.siteId, siteId), inArray(courseRuns.courseId, programCourses)));
    },

    /**
     * What learners hold that completion looks at, and nothing else: their course credentials in the
     * given courses (any run, any mode) and their credentials of the given program configurations.
     */
    async holdings(
      db: Db,
      siteId: number,
      courses: { userId: number; courseId: number }[],
      programs: { userId: number; configId: number }[],
    ): Promise<Holding[]> {
      const courseRows = courses.map(({ userId, courseId }) => ({ user_id: userId, course_id: courseId }));
      const programRows = programs.map(({ userId, configId }) => ({ user_id: userId, config_id: configId }));
      const rows = await holdingsStatement(db, {
        siteId,
        courses: JSON.stringify(courseRows),
        programs: JSON.stringify(programRows),
      });
      // Ids are bigint, which node-postgres hands over as strings.
      return rows.map((row) => ({
        userId: Number(row.userId),
        configId: Number(row.configId),
        status: row.status as CredentialStatus,
        mode: row.mode,
        courseId: row.courseId === null ? null : Number(row.courseId),
      }));
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
