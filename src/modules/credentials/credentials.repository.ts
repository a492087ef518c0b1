import { type SQL, and, asc, count, eq, getTableColumns, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import { type Db, preparedPer, preparedSql } from '../../platform/db/database.ts';
import { newId } from '../../platform/ids.ts';
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

export interface Attribute {
  name: string;
  value: string;
}

/** What a credential's representation shows of its configuration. */
export type ShownConfig = Pick<
  CredentialConfig,
  'id' | 'kind' | 'courseRunKey' | 'mode' | 'programId' | 'certificateAvailableDate'
>;

/** An awarded credential with what its representation needs. */
export interface CredentialRow {
  credential: UserCredential;
  username: string;
  config: ShownConfig;
  programUuid: string | null;
  attributes: Attribute[];
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
    attributes: sql<Attribute[]>`coalesce((
      select json_agg(json_build_object('name', a.name, 'value', a.value) order by a.id)
      from ${userCredentialAttributes} a
      -- Qualified by hand: Drizzle leaves columns unqualified in single-table queries.
      where a.user_credential_id = user_credentials.id), '[]'::json)`,
  };
  const rowOf = ({
    credential,
    username,
    config,
    programUuid,
    attributes,
  }: CredentialRow): CredentialRow => ({
    credential,
    username,
    config,
    programUuid,
    attributes,
  });
  /** Credentials with what they show; `total` counts every row the query matches, before paging. */
  const joined = (db: Db) =>
    db
      .select({ ...selection, total: sql<number>`count(*) over ()`.mapWith(Number) })
      .from(userCredentials)
      .innerJoin(users, eq(users.id, userCredentials.userId))
      .innerJoin(credentialConfigs, eq(credentialConfigs.id, userCredentials.configId))
      .leftJoin(programs, eq(programs.id, credentialConfigs.programId));

  /**
   * A learner's credentials, the list the LMS and learner records ask for most, as a prepared
   * statement.
   */
  const prepareLearnersPage = (db: Db) =>
    joined(db)
      .where(
        and(
          eq(userCredentials.siteId, sql.placeholder('siteId')),
          eq(sql`lower(${users.username})`, sql.placeholder('username')),
        ),
      )
      .orderBy(asc(userCredentials.id))
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('offset'))
      .prepare('credentials_of_learner');
  const learnersPage = preparedPer(prepareLearnersPage);

  // The write path's statements, prepared: under load PostgreSQL spent about a third of their time
  // parsing and planning them anew. Rows travel as one JSON parameter each, however many.

  /**
   * Creates the credentials that do not exist yet, every column given (so the caller knows the rows
   * without reading them back); answers the ids and UUIDs of those it created.
   */
  const insertMissing = preparedSql<{ id: number | string; uuid: string }>(
    'credentials_insert_missing',
    sql`insert into ${userCredentials}
        (uuid, site_id, user_id, config_id, status, awarded_at, revoked_at, created_at, updated_at)
      select uuid, ${sql.placeholder('siteId')}, user_id, config_id, status, ${sql.placeholder('now')},
        revoked_at, ${sql.placeholder('now')}, ${sql.placeholder('now')}
      from jsonb_to_recordset(${sql.placeholder('rows')}::jsonb)
        as c(uuid uuid, user_id bigint, config_id bigint, status varchar, revoked_at timestamptz)
      on conflict (user_id, config_id) do nothing
      returning id, uuid`,
  );

  /** Locks credentials by (learner, configuration) pairs, in a fixed order so writers never deadlock. */
  const lockStatement = preparedPer((db: Db) =>
    db
      .select({ ...getTableColumns(userCredentials), attributes: selection.attributes })
      .from(userCredentials)
      .where(
        sql`(${userCredentials.userId}, ${userCredentials.configId}) in
          (select u, c from jsonb_to_recordset(${sql.placeholder('keys')}::jsonb) as k(u bigint, c bigint))`,
      )
      .orderBy(asc(userCredentials.userId), asc(userCredentials.configId))
      .for('update', { of: userCredentials })
      .prepare('credentials_lock'),
  );

  /** New states, attribute values and history events in one round trip (data-modifying CTEs all run). */
  const saveStatement = preparedSql(
    'credentials_save_changes',
    sql`
      with states as (
        update ${userCredentials} set
          status = v.status, awarded_at = v.awarded_at, revoked_at = v.revoked_at,
          revoke_reason = v.revoke_reason, date_override = v.date_override,
          visible_date = v.visible_date, updated_at = v.updated_at
        from jsonb_to_recordset(${sql.placeholder('states')}::jsonb) as v(
          id bigint, status varchar, awarded_at timestamptz, revoked_at timestamptz,
          revoke_reason text, date_override timestamptz, visible_date timestamptz,
          updated_at timestamptz)
        where ${userCredentials.id} = v.id
      ), attributes as (
        insert into ${userCredentialAttributes} (user_credential_id, name, value)
        select credential_id, name, value
        from jsonb_to_recordset(${sql.placeholder('attributes')}::jsonb)
          as a(credential_id bigint, name varchar, value varchar)
        on conflict (user_credential_id, name)
        do update set value = excluded.value, updated_at = now()
      )
      insert into ${credentialEvents}
        (site_id, user_credential_id, type, from_status, to_status, actor_user_id, source, details)
      select site_id, user_credential_id, type, from_status, to_status, actor_user_id, source, details
      from jsonb_to_recordset(${sql.placeholder('events')}::jsonb) as e(
        site_id bigint, user_credential_id bigint, type varchar, from_status varchar,
        to_status varchar, actor_user_id bigint, source varchar, details jsonb)`,
  );

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

    /** The course-run configurations of these runs (every mode), oldest first. */
    async courseRunConfigsOf(db: Db, siteId: number, runKeys: string[]) {
      if (runKeys.length === 0) return [];
      return db
        .select()
        .from(credentialConfigs)
        .where(
          and(
            eq(credentialConfigs.siteId, siteId),
            eq(credentialConfigs.kind, 'course-run'),
            inArray(credentialConfigs.courseRunKey, runKeys),
          ),
        )
        .orderBy(asc(credentialConfigs.id));
    },

    /** Creates these course-run configurations unless they exist (concurrent callers lose nothing). */
    async insertCourseRunConfigs(
      db: Db,
      siteId: number,
      wanted: { runKey: string; runId: number; mode: string }[],
    ) {
      if (wanted.length === 0) return;
      await db
        .insert(credentialConfigs)
        .values(
          wanted.map(({ runKey, runId, mode }) => ({
            siteId,
            kind: 'course-run' as const,
            courseRunKey: runKey,
            courseRunId: runId,
            mode: mode as CredentialConfig['mode'],
          })),
        )
        .onConflictDoNothing();
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

    /**
     * The credentials of these (learner, config) pairs, locked for the transaction, the missing ones
     * created first with the given status. Rows are created and locked in key order, so concurrent
     * writers of overlapping sets wait for each other instead of deadlocking.
     */
    async lockOrCreateMany(
      db: Db,
      siteId: number,
      wanted: { userId: number; configId: number; status: 'awarded' | 'revoked' }[],
      now: Date,
    ): Promise<{ rows: (UserCredential & { attributes: Attribute[] })[]; created: Set<number> }> {
      const sorted = [...wanted].sort((a, b) => a.userId - b.userId || a.configId - b.configId);
      // Rows travel as one JSON parameter: cheaper to build and bind than seven parameters a row.
      const candidates = sorted.map(({ userId, configId, status }) => ({
        uuid: newId(),
        user_id: userId,
        config_id: configId,
        status,
        revoked_at: status === 'revoked' ? now : null,
      }));
      const inserted = await insertMissing(db, { siteId, now, rows: JSON.stringify(candidates) });
      const createdIds = new Map(inserted.map((row) => [row.uuid, Number(row.id)]));
      // The rows just created are known (and locked, as this transaction inserted them); only those
      // that existed are read and locked: in bulk issuance most are new.
      const createdRows: (UserCredential & { attributes: Attribute[] })[] = [];
      const existing: { u: number; c: number }[] = [];
      for (const { uuid, user_id: userId, config_id: configId, status, revoked_at } of candidates) {
        const id = createdIds.get(uuid);
        if (id === undefined) existing.push({ u: userId, c: configId });
        else {
          createdRows.push({
            id,
            uuid,
            siteId,
            userId,
            configId,
            status,
            awardedAt: now,
            revokedAt: revoked_at,
            revokeReason: null,
            dateOverride: null,
            visibleDate: null,
            createdAt: now,
            updatedAt: now,
            attributes: [],
          });
        }
      }
      const rows =
        existing.length > 0 ? await lockStatement(db).execute({ keys: JSON.stringify(existing) }) : [];
      return { rows: [...createdRows, ...rows], created: new Set(createdIds.values()) };
    },

    /**
     * Writes what a set of changes decided: the rows' new state, attribute values and history. The
     * rows must be locked by the caller's transaction.
     */
    async saveChanges(
      db: Db,
      changes: {
        rows: UserCredential[];
        attributes: (Attribute & { credentialId: number })[];
        events: CredentialEvent[];
      },
    ) {
      const states = changes.rows.map((row) => ({
        id: row.id,
        status: row.status,
        awarded_at: row.awardedAt,
        revoked_at: row.revokedAt,
        revoke_reason: row.revokeReason,
        date_override: row.dateOverride,
        visible_date: row.visibleDate,
        updated_at: row.updatedAt,
      }));
      const attributes = changes.attributes.map(({ credentialId, name, value }) => ({
        credential_id: credentialId,
        name,
        value,
      }));
      const events = changes.events.map((event) => ({
        site_id: event.siteId,
        user_credential_id: event.userCredentialId,
        type: event.type,
        from_status: event.fromStatus ?? null,
        to_status: event.toStatus,
        actor_user_id: event.actorUserId ?? null,
        source: event.source,
        details: event.details ?? {},
      }));
      await saveStatement(db, {
        states: JSON.stringify(states),
        attributes: JSON.stringify(attributes),
        events: JSON.stringify(events),
      });
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

    /** The learners holding an awarded credential of this configuration. */
    async awardedHolders(db: Db, configId: number): Promise<number[]> {
      const rows = await db
        .select({ userId: userCredentials.userId })
        .from(userCredentials)
        .where(and(eq(userCredentials.configId, configId), eq(userCredentials.status, 'awarded')));
      return rows.map((row) => row.userId);
    },

    /** What a credential of this learner and configuration shows, whether or not it exists yet. */
    async describe(db: Db, userId: number, configId: number) {
      const [found] = await db
        .select({ username: users.username, config: selection.config, programUuid: programs.uuid })
        .from(users)
        .innerJoin(credentialConfigs, eq(credentialConfigs.id, configId))
        .leftJoin(programs, eq(programs.id, credentialConfigs.programId))
        .where(eq(users.id, userId));
      return found;
    },

    async byUuid(db: Db, siteId: number, uuid: string): Promise<CredentialRow | undefined> {
      const [found] = await joined(db).where(
        and(eq(userCredentials.siteId, siteId), eq(userCredentials.uuid, uuid)),
      );
      return found && rowOf(found);
    },

    async list(db: Db, filter: CredentialFilter, page: Page) {
      const condition = where(db, filter);
      const { siteId, username, ...narrowing } = filter;
      // The total comes with the page (one round trip); only a page past the end needs its own count.
      const found =
        username !== undefined && Object.values(narrowing).every((value) => value === undefined)
          ? await learnersPage(db).execute({
              siteId,
              username: username.toLowerCase(),
              limit: page.limit,
              offset: page.offset,
            })
          : await joined(db)
              .where(condition)
              .orderBy(asc(userCredentials.id))
              .limit(page.limit)
              .offset(page.offset);
      if (found.length > 0 || page.offset === 0)
        return { count: found[0]?.total ?? 0, rows: found.map(rowOf) };
      const [total] = await db
        .select({ value: count() })
        .from(userCredentials)
        .innerJoin(users, eq(users.id, userCredentials.userId))
        .innerJoin(credentialConfigs, eq(credentialConfigs.id, userCredentials.configId))
        .where(condition);
      return { count: total?.value ?? 0, rows: [] };
    },
  };
}

export type CredentialsRepository = ReturnType<typeof createCredentialsRepository>;
