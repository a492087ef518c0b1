import { type SQL, and, asc, count, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { courseRuns, courses, programCourseRuns, programs } from '../catalog/catalog.schema.ts';
import { grades } from '../records/records.schema.ts';
import { users } from '../users/users.schema.ts';
import {
  credentialConfigs,
  credentialEvents,
  userCredentialAttributes,
  userCredentials,
} from './credentials.schema.ts';

export type CredentialConfig = typeof credentialConfigs.$inferSelect;
export type UserCredential = typeof userCredentials.$inferSelect;
export type CredentialEvent = typeof credentialEvents.$inferInsert;

/** An awarded credential with what its representation needs. */
export interface CredentialRow {
  credential: UserCredential;
  username: string;
  config: Pick<
    CredentialConfig,
    'id' | 'kind' | 'courseRunKey' | 'mode' | 'programId' | 'certificateAvailableDate'
  >;
  programUuid: string | null;
}

export interface CredentialFilter {
  siteId: number;
  username?: string;
  status?: 'awarded' | 'revoked';
  kind?: 'program' | 'course-run';
  /** Program credentials of this program, and course credentials of its runs. */
  programUuid?: string;
  /** Only credentials that may be shown now: course ones past their available date, dated program ones. */
  visibleAt?: Date;
}

/** The visibility rule of Open edX (reference §1.7), with program dates stored rather than recomputed. */
function visibleAt(now: Date): SQL | undefined {
  return or(
    and(
      eq(credentialConfigs.kind, 'course-run'),
      or(
        isNull(credentialConfigs.certificateAvailableDate),
        lte(credentialConfigs.certificateAvailableDate, now),
      ),
    ),
    and(eq(credentialConfigs.kind, 'program'), lte(userCredentials.visibleDate, now)),
  );
}

export function createCredentialsRepository() {
  const selection = {
    credential: userCredentials,
    username: users.username,
    config: {
      id: credentialConfigs.id,
      kind: credentialConfigs.kind,
      courseRunKey: credentialConfigs.courseRunKey,
      mode: credentialConfigs.mode,
      programId: credentialConfigs.programId,
      certificateAvailableDate: credentialConfigs.certificateAvailableDate,
    },
    programUuid: programs.uuid,
  };
  const joined = (db: Db) =>
    db
      .select(selection)
      .from(userCredentials)
      .innerJoin(users, eq(users.id, userCredentials.userId))
      .innerJoin(credentialConfigs, eq(credentialConfigs.id, userCredentials.configId))
      .leftJoin(programs, eq(programs.id, credentialConfigs.programId));

  function where(db: Db, filter: CredentialFilter): SQL | undefined {
    let inProgram: SQL | undefined;
    if (filter.programUuid) {
      const program = db
        .select({ id: programs.id })
        .from(programs)
        .where(and(eq(programs.siteId, filter.siteId), eq(programs.uuid, filter.programUuid)));
      const runKeys = db
        .select({ key: courseRuns.key })
        .from(programCourseRuns)
        .innerJoin(courseRuns, eq(courseRuns.id, programCourseRuns.courseRunId))
        .where(inArray(programCourseRuns.programId, program));
      inProgram = or(
        inArray(credentialConfigs.programId, program),
        inArray(credentialConfigs.courseRunKey, runKeys),
      );
    }
    return and(
      eq(userCredentials.siteId, filter.siteId),
      filter.username ? eq(sql`lower(${users.username})`, filter.username.toLowerCase()) : undefined,
      filter.status ? eq(userCredentials.status, filter.status) : undefined,
      filter.kind ? eq(credentialConfigs.kind, filter.kind) : undefined,
      inProgram,
      filter.visibleAt ? visibleAt(filter.visibleAt) : undefined,
    );
  }

  return {
    async programConfig(db: Db, siteId: number, programId: number) {
      const [config] = await db
        .select()
        .from(credentialConfigs)
        .where(
          and(
            eq(credentialConfigs.siteId, siteId),
            eq(credentialConfigs.kind, 'program'),
            eq(credentialConfigs.programId, programId),
          ),
        );
      return config;
    },

    async courseRunConfig(db: Db, siteId: number, runKey: string, mode: string) {
      const [config] = await db
        .select()
        .from(credentialConfigs)
        .where(
          and(
            eq(credentialConfigs.siteId, siteId),
            eq(credentialConfigs.kind, 'course-run'),
            eq(credentialConfigs.courseRunKey, runKey),
            eq(credentialConfigs.mode, mode as CredentialConfig['mode'] & string),
          ),
        );
      return config;
    },

    async courseRunConfigs(db: Db, siteId: number, runKey: string) {
      return db
        .select()
        .from(credentialConfigs)
        .where(
          and(
            eq(credentialConfigs.siteId, siteId),
            eq(credentialConfigs.kind, 'course-run'),
            eq(credentialConfigs.courseRunKey, runKey),
          ),
        )
        .orderBy(asc(credentialConfigs.id));
    },

    async insertConfig(db: Db, values: typeof credentialConfigs.$inferInsert): Promise<CredentialConfig> {
      const [row] = await db.insert(credentialConfigs).values(values).returning();
      if (!row) throw new Error('insert into credential_configs returned no row');
      return row;
    },

    async updateConfig(
      db: Db,
      id: number,
      values: Partial<typeof credentialConfigs.$inferInsert>,
    ): Promise<CredentialConfig> {
      const [row] = await db
        .update(credentialConfigs)
        .set({ ...values, updatedAt: new Date() })
        .where(eq(credentialConfigs.id, id))
        .returning();
      if (!row) throw new Error(`credential config ${id} vanished`);
      return row;
    },

    /** Creates the config for a run and mode unless it exists (concurrent callers get the same row). */
    async ensureCourseRunConfig(db: Db, siteId: number, runKey: string, runId: number, mode: string) {
      await db
        .insert(credentialConfigs)
        .values({
          siteId,
          kind: 'course-run',
          courseRunKey: runKey,
          courseRunId: runId,
          mode: mode as CredentialConfig['mode'],
        })
        .onConflictDoNothing();
      return this.courseRunConfig(db, siteId, runKey, mode);
    },

    /** The credential of this user and config, locked for the transaction, created first when missing. */
    async lockOrCreate(
      db: Db,
      values: { siteId: number; userId: number; configId: number; status: 'awarded' | 'revoked'; now: Date },
    ) {
      const inserted = await db
        .insert(userCredentials)
        .values({
          siteId: values.siteId,
          userId: values.userId,
          configId: values.configId,
          status: values.status,
          awardedAt: values.now,
          revokedAt: values.status === 'revoked' ? values.now : null,
        })
        .onConflictDoNothing()
        .returning({ id: userCredentials.id });
      const [row] = await db
        .select()
        .from(userCredentials)
        .where(and(eq(userCredentials.userId, values.userId), eq(userCredentials.configId, values.configId)))
        .for('update');
      if (!row) throw new Error('credential vanished while locked');
      return { row, created: inserted.length > 0 };
    },

    async update(db: Db, id: number, values: Partial<typeof userCredentials.$inferInsert>) {
      await db
        .update(userCredentials)
        .set({ ...values, updatedAt: new Date() })
        .where(eq(userCredentials.id, id));
    },

    async attributes(db: Db, credentialIds: number[]) {
      if (credentialIds.length === 0) return [];
      return db
        .select({
          credentialId: userCredentialAttributes.userCredentialId,
          name: userCredentialAttributes.name,
          value: userCredentialAttributes.value,
        })
        .from(userCredentialAttributes)
        .where(inArray(userCredentialAttributes.userCredentialId, credentialIds))
        .orderBy(asc(userCredentialAttributes.id));
    },

    async upsertAttribute(db: Db, credentialId: number, name: string, value: string) {
      await db
        .insert(userCredentialAttributes)
        .values({ userCredentialId: credentialId, name, value })
        .onConflictDoUpdate({
          target: [userCredentialAttributes.userCredentialId, userCredentialAttributes.name],
          set: { value, updatedAt: new Date() },
        });
    },

    async addEvent(db: Db, event: CredentialEvent) {
      await db.insert(credentialEvents).values(event);
    },

    async events(db: Db, credentialId: number) {
      return db
        .select()
        .from(credentialEvents)
        .where(eq(credentialEvents.userCredentialId, credentialId))
        .orderBy(asc(credentialEvents.id));
    },

    /**
     * A learner's awarded, visible course credentials (certificate available date unset or past) for
     * the given courses (UUIDs) and runs (keys or UUIDs), with the grade of each run.
     */
    async courseStatus(
      db: Db,
      q: { siteId: number; userId: number; courseUuids: string[]; runs: string[]; now: Date },
    ) {
      const runUuids = q.runs.filter((run) => /^[0-9a-f-]{36}$/i.test(run)).map((run) => run.toLowerCase());
      const wanted = [
        q.courseUuids.length > 0 ? inArray(courses.uuid, q.courseUuids) : undefined,
        q.runs.length > 0 ? inArray(courseRuns.key, q.runs) : undefined,
        runUuids.length > 0 ? inArray(courseRuns.uuid, runUuids) : undefined,
      ].filter((condition): condition is SQL => condition !== undefined);
      if (wanted.length === 0) return [];
      return db
        .select({
          courseUuid: courses.uuid,
          runUuid: courseRuns.uuid,
          runKey: courseRuns.key,
          status: userCredentials.status,
          mode: credentialConfigs.mode,
          availableDate: credentialConfigs.certificateAvailableDate,
          letterGrade: grades.letterGrade,
          percentGrade: grades.percentGrade,
          verified: grades.verified,
        })
        .from(userCredentials)
        .innerJoin(credentialConfigs, eq(credentialConfigs.id, userCredentials.configId))
        .innerJoin(courseRuns, eq(courseRuns.id, credentialConfigs.courseRunId))
        .innerJoin(courses, eq(courses.id, courseRuns.courseId))
        .leftJoin(
          grades,
          and(eq(grades.userId, userCredentials.userId), eq(grades.courseRunId, courseRuns.id)),
        )
        .where(
          and(
            eq(userCredentials.siteId, q.siteId),
            eq(userCredentials.userId, q.userId),
            eq(userCredentials.status, 'awarded'),
            eq(credentialConfigs.kind, 'course-run'),
            or(
              isNull(credentialConfigs.certificateAvailableDate),
              lte(credentialConfigs.certificateAvailableDate, q.now),
            ),
            or(...wanted),
          ),
        )
        .orderBy(asc(courseRuns.id));
    },

    async byUuid(db: Db, siteId: number, uuid: string): Promise<CredentialRow | undefined> {
      const [row] = await joined(db).where(
        and(eq(userCredentials.siteId, siteId), eq(userCredentials.uuid, uuid)),
      );
      return row;
    },

    async list(db: Db, filter: CredentialFilter, page: Page) {
      const condition = where(db, filter);
      const [total] = await db
        .select({ value: count() })
        .from(userCredentials)
        .innerJoin(users, eq(users.id, userCredentials.userId))
        .innerJoin(credentialConfigs, eq(credentialConfigs.id, userCredentials.configId))
        .where(condition);
      const rows = await joined(db)
        .where(condition)
        .orderBy(asc(userCredentials.id))
        .limit(page.limit)
        .offset(page.offset);
      return { count: total?.value ?? 0, rows };
    },
  };
}

export type CredentialsRepository = ReturnType<typeof createCredentialsRepository>;
