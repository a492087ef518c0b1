import { type SQL, and, eq, inArray, or, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../platform/db/database.ts';
import { courseRuns, programCourseRuns, programs } from '../catalog/catalog.schema.ts';
import { users } from '../users/users.schema.ts';
import type { CompletionCheck, CredentialStatus } from './credential-writes.ts';
import { credentialConfigs, userCredentials } from './credentials.schema.ts';

/** The courses a program's runs belong to, as a subquery. */
const coursesOf = (db: Db, programId: number) =>
  db
    .selectDistinct({ courseId: courseRuns.courseId })
    .from(programCourseRuns)
    .innerJoin(courseRuns, eq(courseRuns.id, programCourseRuns.courseRunId))
    .where(eq(programCourseRuns.programId, programId));

/** A learner's standing on one program configuration: what program completion decides from. */
export interface CompletionState {
  userId: number;
  configId: number;
  isActive: boolean;
  /** Holds an awarded course credential in a counting mode for a run of every course of the program. */
  complete: boolean;
  /** The learner's program credential, if any. */
  current: CredentialStatus | null;
}

/**
 * One statement for the states of many (learner, program configuration) pairs, given as a query of
 * `user_id, config_id` rows. Pairs naming anything but a program configuration of the site are left
 * out; a program with no courses is never complete.
 */
const statesQuery = (siteId: number, pairs: SQL, modes: string[]) => sql`
  with pairs as (${pairs}),
  targets as (
    select distinct p.user_id, cc.id as config_id, cc.program_id, cc.is_active
    from pairs p
    join credential_configs cc on cc.id = p.config_id
    where cc.site_id = ${siteId} and cc.kind = 'program' and cc.program_id is not null
  ),
  needed as (
    select distinct pcr.program_id, run.course_id
    from program_course_runs pcr
    join course_runs run on run.id = pcr.course_run_id
    where pcr.program_id in (select program_id from targets)
  ),
  held as (
    select distinct uc.user_id, run.course_id
    from user_credentials uc
    join credential_configs cc on cc.id = uc.config_id
    join course_runs run on run.site_id = cc.site_id and run.key = cc.course_run_key
    where uc.site_id = ${siteId}
      and uc.user_id in (select user_id from targets)
      and uc.status = 'awarded'
      and cc.kind = 'course-run'
      and cc.mode = any(${`{${modes.join(',')}}`}::text[])
  )
  select
    t.user_id as "userId",
    t.config_id as "configId",
    t.is_active as "isActive",
    exists (select 1 from needed n where n.program_id = t.program_id)
      and not exists (
        select 1 from needed n
        where n.program_id = t.program_id
          and not exists (select 1 from held h where h.user_id = t.user_id and h.course_id = n.course_id)
      ) as complete,
    (select uc.status from user_credentials uc where uc.user_id = t.user_id and uc.config_id = t.config_id)
      as current
  from targets t`;

/** The reads program completion needs: where learners stand on programs, who may hold one. */
export function createProgramCompletionRepository() {
  return {
    /**
     * Where learners stand on the programs that contain the courses of the runs just changed for them:
     * one state for each learner and program configuration concerned (see `statesQuery`).
     */
    statesForRuns(db: Db, siteId: number, checks: CompletionCheck[], modes: string[]) {
      const rows = checks.map((check) => ({ user_id: check.userId, run_key: check.courseRunKey }));
      return queryRows<CompletionState>(
        db,
        statesQuery(
          siteId,
          sql`
            select c.user_id, cc.id as config_id
            from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as c(user_id int, run_key text)
            join course_runs run on run.site_id = ${siteId} and run.key = c.run_key
            join course_runs sibling on sibling.course_id = run.course_id
            join program_course_runs pcr on pcr.course_run_id = sibling.id
            join credential_configs cc on cc.program_id = pcr.program_id`,
          modes,
        ),
      );
    },

    /** Where learners stand on program configurations, for each given pair (see `statesQuery`). */
    states(db: Db, siteId: number, pairs: { userId: number; configId: number }[], modes: string[]) {
      const rows = pairs.map((pair) => ({ user_id: pair.userId, config_id: pair.configId }));
      return queryRows<CompletionState>(
        db,
        statesQuery(
          siteId,
          sql`select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as p(user_id int, config_id int)`,
          modes,
        ),
      );
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
