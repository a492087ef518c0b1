import { type SQL, and, eq, inArray, isNull, notInArray, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../../platform/db/database.ts';
import type {
  CatalogResource,
  CourseItem,
  OrganizationItem,
  PathwayItem,
  ProgramItem,
} from './catalog-items.ts';
import { courseRuns, courses, organizations, pathways, programs } from './catalog.schema.ts';

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

/** Rows of a raw statement, whichever driver runs it. */
async function execute(db: Db, query: SQL): Promise<Record<string, unknown>[]> {
  return ((await db.execute(query)) as unknown as { rows: Record<string, unknown>[] }).rows;
}

/**
 * The CTEs that make a join table hold exactly `ids`, in order, for the row of the `item` CTE: links
 * no longer listed are deleted and the others upserted with their position. (Deleting all and
 * inserting again is not possible within one statement.)
 */
function orderedLinks(
  name: string,
  table: string,
  ownerColumn: string,
  targetColumn: string,
  ids: number[],
): SQL {
  const [t, owner, target] = [sql.raw(table), sql.raw(ownerColumn), sql.raw(targetColumn)];
  const wanted = sql.raw(`${name}_wanted`);
  return sql`${wanted} AS (
      SELECT (value)::bigint AS target, (ordinality - 1)::int AS position
      FROM jsonb_array_elements(${JSON.stringify(ids)}::jsonb) WITH ORDINALITY
    ),
    ${sql.raw(`${name}_dropped`)} AS (
      DELETE FROM ${t} WHERE ${owner} = (SELECT id FROM item) AND ${target} NOT IN (SELECT target FROM ${wanted})
    ),
    ${sql.raw(`${name}_kept`)} AS (
      INSERT INTO ${t} (${owner}, ${target}, position) SELECT (SELECT id FROM item), target, position FROM ${wanted}
      ON CONFLICT (${owner}, ${target}) DO UPDATE SET position = excluded.position
    )`;
}

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

    /**
     * A course with its runs and owners, exactly as given, in one statement (so one transaction). Says
     * whether the course is new and how many of its runs are.
     */
    async upsertCourse(db: Db, siteId: number, item: CourseItem, hash: string, ownerIds: number[]) {
      const runs = item.runs.map((run) => ({
        uuid: run.uuid,
        key: run.key,
        title_override: run.titleOverride,
        start_date: run.startDate,
        end_date: run.endDate,
        hidden: run.hidden,
      }));
      const rows = await execute(
        db,
        sql`WITH item AS (
          INSERT INTO courses AS t (site_id, uuid, key, title, content_hash)
          VALUES (${siteId}, ${item.uuid}, ${item.key}, ${item.title}, ${hash})
          ON CONFLICT (site_id, uuid) DO UPDATE SET key = excluded.key, title = excluded.title,
            content_hash = excluded.content_hash, retired_at = NULL, updated_at = now()
          RETURNING t.id, (t.xmax = 0) AS inserted
        ),
        ${orderedLinks('owner', 'course_owners', 'course_id', 'organization_id', ownerIds)},
        runs AS (
          INSERT INTO course_runs AS r (site_id, course_id, uuid, key, title_override, start_date, end_date, hidden)
          SELECT ${siteId}, (SELECT id FROM item), x.uuid, x.key, x.title_override, x.start_date, x.end_date, x.hidden
          FROM jsonb_to_recordset(${JSON.stringify(runs)}::jsonb)
            AS x(uuid uuid, key text, title_override text, start_date timestamptz, end_date timestamptz, hidden boolean)
          ON CONFLICT (site_id, uuid) DO UPDATE SET course_id = excluded.course_id, key = excluded.key,
            title_override = excluded.title_override, start_date = excluded.start_date, end_date = excluded.end_date,
            hidden = excluded.hidden, retired_at = NULL, updated_at = now()
          RETURNING (r.xmax = 0) AS inserted
        )
        SELECT (SELECT inserted FROM item) AS inserted, (SELECT count(*) FROM runs WHERE inserted)::int AS runs_inserted`,
      );
      const row = rows[0] as { inserted: boolean; runs_inserted: number } | undefined;
      return { inserted: Boolean(row?.inserted), runsInserted: Number(row?.runs_inserted ?? 0) };
    },

    async upsertProgram(
      db: Db,
      siteId: number,
      item: ProgramItem,
      hash: string,
      runIds: number[],
      organizationIds: number[],
    ) {
      const rows = await execute(
        db,
        sql`WITH item AS (
          INSERT INTO programs AS t (site_id, uuid, title, type, type_slug, status, total_hours_of_effort, content_hash)
          VALUES (${siteId}, ${item.uuid}, ${item.title}, ${item.type}, ${item.typeSlug}, ${item.status},
                  ${item.totalHoursOfEffort}, ${hash})
          ON CONFLICT (site_id, uuid) DO UPDATE SET title = excluded.title, type = excluded.type,
            type_slug = excluded.type_slug, status = excluded.status,
            total_hours_of_effort = excluded.total_hours_of_effort, content_hash = excluded.content_hash,
            retired_at = NULL, updated_at = now()
          RETURNING t.id, (t.xmax = 0) AS inserted
        ),
        ${orderedLinks('run', 'program_course_runs', 'program_id', 'course_run_id', runIds)},
        ${orderedLinks('author', 'program_authoring_organizations', 'program_id', 'organization_id', organizationIds)}
        SELECT inserted FROM item`,
      );
      return Boolean((rows[0] as { inserted?: boolean } | undefined)?.inserted);
    },

    async upsertPathway(db: Db, siteId: number, item: PathwayItem, hash: string, programIds: number[]) {
      const rows = await execute(
        db,
        sql`WITH item AS (
          INSERT INTO pathways AS t (site_id, uuid, name, org_name, email, pathway_type, status, content_hash)
          VALUES (${siteId}, ${item.uuid}, ${item.name}, ${item.orgName}, ${item.email}, ${item.pathwayType},
                  ${item.status}, ${hash})
          ON CONFLICT (site_id, uuid) DO UPDATE SET name = excluded.name, org_name = excluded.org_name,
            email = excluded.email, pathway_type = excluded.pathway_type, status = excluded.status,
            content_hash = excluded.content_hash, retired_at = NULL, updated_at = now()
          RETURNING t.id, (t.xmax = 0) AS inserted
        ),
        ${orderedLinks('program', 'pathway_programs', 'pathway_id', 'program_id', programIds)}
        SELECT inserted FROM item`,
      );
      return Boolean((rows[0] as { inserted?: boolean } | undefined)?.inserted);
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
