import { and, eq, inArray, isNull, notInArray, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../../platform/db/database.ts';
import type {
  CatalogResource,
  CourseItem,
  OrganizationItem,
  PathwayItem,
  ProgramItem,
} from './catalog-items.ts';
import {
  courseOwners,
  courseRuns,
  courses,
  organizations,
  pathwayPrograms,
  pathways,
  programAuthoringOrganizations,
  programCourseRuns,
  programs,
} from './catalog.schema.ts';

/** Tables whose rows are synced by UUID, and what names them in reports. */
const SYNCED = {
  organizations: { table: organizations, label: organizations.key },
  courses: { table: courses, label: courses.key },
  course_runs: { table: courseRuns, label: courseRuns.key },
  programs: { table: programs, label: programs.title },
  pathways: { table: pathways, label: pathways.name },
} as const;
export type SyncedTable = keyof typeof SYNCED;

type UuidTable = PgTable & { id: PgColumn; siteId: PgColumn; uuid: PgColumn };

const now = () => new Date();

export function createCatalogRepository() {
  /** Ids of rows by UUID, for resolving an item's references. */
  async function idsByUuid(
    db: Db,
    table: UuidTable,
    siteId: number,
    uuids: string[],
  ): Promise<Map<string, number>> {
    if (uuids.length === 0) return new Map();
    const rows = (await db
      .select({ id: table.id, uuid: table.uuid })
      .from(table)
      .where(and(eq(table.siteId, siteId), inArray(table.uuid, [...new Set(uuids)])))) as {
      id: number;
      uuid: string;
    }[];
    return new Map(rows.map((row) => [row.uuid, row.id]));
  }

  return {
    idsByUuid,

    /** The stored content hash of each of these items that exists and is not retired. */
    async hashes(
      db: Db,
      resource: CatalogResource,
      siteId: number,
      uuids: string[],
    ): Promise<Map<string, string | null>> {
      const { table } = SYNCED[resource];
      if (uuids.length === 0) return new Map();
      const rows = await db
        .select({ uuid: table.uuid, hash: table.contentHash, retiredAt: table.retiredAt })
        .from(table)
        .where(and(eq(table.siteId, siteId), inArray(table.uuid, uuids)));
      return new Map(rows.filter((row) => row.retiredAt === null).map((row) => [row.uuid, row.hash]));
    },

    async upsertOrganization(db: Db, siteId: number, item: OrganizationItem, hash: string): Promise<boolean> {
      const [row] = await db
        .insert(organizations)
        .values({ siteId, ...item, contentHash: hash })
        .onConflictDoUpdate({
          target: [organizations.siteId, organizations.uuid],
          set: {
            key: item.key,
            name: item.name,
            certificateLogoImageUrl: item.certificateLogoImageUrl,
            contentHash: hash,
            retiredAt: null,
            updatedAt: now(),
          },
        })
        .returning({ inserted: sql<boolean>`(xmax = 0)` });
      return row?.inserted ?? false;
    },

    /** A course with its runs and owners, exactly as given. Says whether the course and which runs are new. */
    async upsertCourse(db: Db, siteId: number, item: CourseItem, hash: string, ownerIds: number[]) {
      const [row] = await db
        .insert(courses)
        .values({ siteId, uuid: item.uuid, key: item.key, title: item.title, contentHash: hash })
        .onConflictDoUpdate({
          target: [courses.siteId, courses.uuid],
          set: { key: item.key, title: item.title, contentHash: hash, retiredAt: null, updatedAt: now() },
        })
        .returning({ id: courses.id, inserted: sql<boolean>`(xmax = 0)` });
      if (!row) throw new Error(`upsert of course ${item.uuid} returned no row`);
      await db.delete(courseOwners).where(eq(courseOwners.courseId, row.id));
      if (ownerIds.length > 0) {
        await db
          .insert(courseOwners)
          .values(
            ownerIds.map((organizationId, position) => ({ courseId: row.id, organizationId, position })),
          );
      }
      let runsInserted = 0;
      if (item.runs.length > 0) {
        const written = await db
          .insert(courseRuns)
          .values(
            item.runs.map((run) => ({
              siteId,
              courseId: row.id,
              uuid: run.uuid,
              key: run.key,
              titleOverride: run.titleOverride,
              startDate: run.startDate ? new Date(run.startDate) : null,
              endDate: run.endDate ? new Date(run.endDate) : null,
              hidden: run.hidden,
            })),
          )
          .onConflictDoUpdate({
            target: [courseRuns.siteId, courseRuns.uuid],
            set: {
              courseId: sql`excluded.course_id`,
              key: sql`excluded.key`,
              titleOverride: sql`excluded.title_override`,
              startDate: sql`excluded.start_date`,
              endDate: sql`excluded.end_date`,
              hidden: sql`excluded.hidden`,
              retiredAt: null,
              updatedAt: now(),
            },
          })
          .returning({ inserted: sql<boolean>`(xmax = 0)` });
        runsInserted = written.filter((run) => run.inserted).length;
      }
      return { inserted: row.inserted, runsInserted };
    },

    async upsertProgram(
      db: Db,
      siteId: number,
      item: ProgramItem,
      hash: string,
      runIds: number[],
      organizationIds: number[],
    ) {
      const values = {
        title: item.title,
        type: item.type,
        typeSlug: item.typeSlug,
        status: item.status,
        totalHoursOfEffort: item.totalHoursOfEffort,
        contentHash: hash,
      };
      const [row] = await db
        .insert(programs)
        .values({ siteId, uuid: item.uuid, ...values })
        .onConflictDoUpdate({
          target: [programs.siteId, programs.uuid],
          set: { ...values, retiredAt: null, updatedAt: now() },
        })
        .returning({ id: programs.id, inserted: sql<boolean>`(xmax = 0)` });
      if (!row) throw new Error(`upsert of program ${item.uuid} returned no row`);
      await db.delete(programCourseRuns).where(eq(programCourseRuns.programId, row.id));
      if (runIds.length > 0) {
        await db
          .insert(programCourseRuns)
          .values(runIds.map((courseRunId, position) => ({ programId: row.id, courseRunId, position })));
      }
      await db
        .delete(programAuthoringOrganizations)
        .where(eq(programAuthoringOrganizations.programId, row.id));
      if (organizationIds.length > 0) {
        await db.insert(programAuthoringOrganizations).values(
          organizationIds.map((organizationId, position) => ({
            programId: row.id,
            organizationId,
            position,
          })),
        );
      }
      return row.inserted;
    },

    async upsertPathway(db: Db, siteId: number, item: PathwayItem, hash: string, programIds: number[]) {
      const values = {
        name: item.name,
        orgName: item.orgName,
        email: item.email,
        pathwayType: item.pathwayType,
        status: item.status,
        contentHash: hash,
      };
      const [row] = await db
        .insert(pathways)
        .values({ siteId, uuid: item.uuid, ...values })
        .onConflictDoUpdate({
          target: [pathways.siteId, pathways.uuid],
          set: { ...values, retiredAt: null, updatedAt: now() },
        })
        .returning({ id: pathways.id, inserted: sql<boolean>`(xmax = 0)` });
      if (!row) throw new Error(`upsert of pathway ${item.uuid} returned no row`);
      await db.delete(pathwayPrograms).where(eq(pathwayPrograms.pathwayId, row.id));
      if (programIds.length > 0) {
        await db
          .insert(pathwayPrograms)
          .values(programIds.map((programId, position) => ({ pathwayId: row.id, programId, position })));
      }
      return row.inserted;
    },

    /** Rows of the site that are live (not retired) and whose UUIDs are not in `seen`. */
    async missing(
      db: Db,
      which: SyncedTable,
      siteId: number,
      seen: Set<string>,
    ): Promise<{ id: number; uuid: string; label: string }[]> {
      const { table, label } = SYNCED[which];
      const rows = await db
        .select({ id: table.id, uuid: table.uuid, label })
        .from(table)
        .where(
          and(
            eq(table.siteId, siteId),
            isNull(table.retiredAt),
            seen.size > 0 && seen.size < 60_000 ? notInArray(table.uuid, [...seen]) : undefined,
          ),
        );
      return seen.size >= 60_000 ? rows.filter((row) => !seen.has(row.uuid)) : rows;
    },

    async delete(db: Db, which: SyncedTable, id: number): Promise<void> {
      const { table } = SYNCED[which];
      await db.delete(table).where(eq(table.id, id));
    },

    async retire(db: Db, which: SyncedTable, id: number): Promise<void> {
      const { table } = SYNCED[which];
      await db.update(table).set({ retiredAt: now() }).where(eq(table.id, id));
    },
  };
}

export type CatalogRepository = ReturnType<typeof createCatalogRepository>;
