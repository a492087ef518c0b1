import { type SQL, and, eq, inArray, isNull, notInArray, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { type Db, queryRows } from '../../platform/db/database.ts';
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

/**
 * The CTEs that make a join table hold exactly the listed ids, in order, for every row of the `written`
 * CTE: `ids` is the JSON array column of `items` listing them. Links no longer listed are deleted, the
 * others upserted with their position (deleting all and inserting again is not possible in one
 * statement).
 */
function orderedLinks(name: string, table: string, ownerColumn: string, targetColumn: string, ids: SQL): SQL {
  const [t, owner, target] = [sql.raw(table), sql.raw(ownerColumn), sql.raw(targetColumn)];
  const wanted = sql.raw(`${name}_wanted`);
  return sql`${wanted} AS (
      SELECT written.id AS owner, (link.value)::bigint AS target, (link.ordinality - 1)::int AS position
      FROM items JOIN written ON written.uuid = items.uuid, jsonb_array_elements(${ids}) WITH ORDINALITY AS link
    ),
    ${sql.raw(`${name}_dropped`)} AS (
      DELETE FROM ${t} AS old USING written
      WHERE old.${owner} = written.id
        AND NOT EXISTS (SELECT 1 FROM ${wanted} w WHERE w.owner = old.${owner} AND w.target = old.${target})
    ),
    ${sql.raw(`${name}_kept`)} AS (
      INSERT INTO ${t} (${owner}, ${target}, position) SELECT owner, target, position FROM ${wanted}
      ON CONFLICT (${owner}, ${target}) DO UPDATE SET position = excluded.position
    )`;
}

/** An item with the content hash it is stored under. */
export interface Hashed<T> {
  item: T;
  hash: string;
}

export interface WriteCount {
  created: number;
  updated: number;
}

const countOf = (rows: { inserted: boolean }[]): WriteCount => {
  const created = rows.filter((row) => row.inserted).length;
  return { created, updated: rows.length - created };
};

const writeCountOf = (row: Record<string, unknown> | undefined): WriteCount => {
  const created = Number(row?.created ?? 0);
  return { created, updated: Number(row?.written ?? 0) - created };
};

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

    /** Sets the logo Laurel shows for an organization (the catalog sync never touches it). */
    async setOrganizationLogo(
      db: Db,
      siteId: number,
      uuid: string,
      logoAssetId: number | null,
    ): Promise<void> {
      await db
        .update(organizations)
        .set({ logoAssetId, updatedAt: new Date() })
        .where(and(eq(organizations.siteId, siteId), eq(organizations.uuid, uuid)));
    },

    /** Organizations, as given. Returns how many were new. */
    async upsertOrganizations(
      db: Db,
      siteId: number,
      items: Hashed<OrganizationItem>[],
    ): Promise<WriteCount> {
      const rows = await db
        .insert(organizations)
        .values(items.map(({ item, hash }) => ({ siteId, ...item, contentHash: hash })))
        .onConflictDoUpdate({
          target: [organizations.siteId, organizations.uuid],
          set: {
            key: sql`excluded.key`,
            name: sql`excluded.name`,
            certificateLogoImageUrl: sql`excluded.certificate_logo_image_url`,
            contentHash: sql`excluded.content_hash`,
            retiredAt: null,
            updatedAt: now(),
          },
        })
        .returning({ inserted: sql<boolean>`(xmax = 0)` });
      return countOf(rows);
    },

    /** Courses with their runs and owners, exactly as given, in one statement. */
    async upsertCourses(db: Db, siteId: number, items: Hashed<CourseItem & { ownerIds: number[] }>[]) {
      const payload = items.map(({ item, hash }) => ({
        uuid: item.uuid,
        key: item.key,
        title: item.title,
        content_hash: hash,
        links: item.ownerIds,
        runs: item.runs.map((run) => ({
          uuid: run.uuid,
          key: run.key,
          title_override: run.titleOverride,
          start_date: run.startDate,
          end_date: run.endDate,
          hidden: run.hidden,
        })),
      }));
      const [row] = await queryRows(
        db,
        sql`WITH items AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(payload)}::jsonb)
            AS x(uuid uuid, key text, title text, content_hash text, links jsonb, runs jsonb)
        ),
        written AS (
          INSERT INTO courses AS t (site_id, uuid, key, title, content_hash)
          SELECT ${siteId}, uuid, key, title, content_hash FROM items
          ON CONFLICT (site_id, uuid) DO UPDATE SET key = excluded.key, title = excluded.title,
            content_hash = excluded.content_hash, retired_at = NULL, updated_at = now()
          RETURNING t.id, t.uuid, (t.xmax = 0) AS inserted
        ),
        ${orderedLinks('owner', 'course_owners', 'course_id', 'organization_id', sql`items.links`)},
        runs AS (
          INSERT INTO course_runs AS r (site_id, course_id, uuid, key, title_override, start_date, end_date, hidden)
          SELECT ${siteId}, written.id, x.uuid, x.key, x.title_override, x.start_date, x.end_date, x.hidden
          FROM items JOIN written ON written.uuid = items.uuid,
            jsonb_to_recordset(items.runs)
              AS x(uuid uuid, key text, title_override text, start_date timestamptz, end_date timestamptz, hidden boolean)
          ON CONFLICT (site_id, uuid) DO UPDATE SET course_id = excluded.course_id, key = excluded.key,
            title_override = excluded.title_override, start_date = excluded.start_date, end_date = excluded.end_date,
            hidden = excluded.hidden, retired_at = NULL, updated_at = now()
          RETURNING (r.xmax = 0) AS inserted
        )
        SELECT (SELECT count(*) FROM written WHERE inserted)::int AS created,
               (SELECT count(*) FROM written)::int AS written,
               (SELECT count(*) FROM runs WHERE inserted)::int AS runs_created,
               (SELECT count(*) FROM runs)::int AS runs_written`,
      );
      const counts = row as { created: number; written: number; runs_created: number; runs_written: number };
      return {
        courses: {
          created: Number(counts.created),
          updated: Number(counts.written) - Number(counts.created),
        },
        runs: {
          created: Number(counts.runs_created),
          updated: Number(counts.runs_written) - Number(counts.runs_created),
        },
      };
    },

    /** Programs with their runs in order and authoring organizations, exactly as given, in one statement. */
    async upsertPrograms(
      db: Db,
      siteId: number,
      items: Hashed<ProgramItem & { runIds: number[]; organizationIds: number[] }>[],
    ) {
      const payload = items.map(({ item, hash }) => ({
        uuid: item.uuid,
        title: item.title,
        type: item.type,
        type_slug: item.typeSlug,
        status: item.status,
        hours: item.totalHoursOfEffort,
        content_hash: hash,
        runs: item.runIds,
        authors: item.organizationIds,
      }));
      const [row] = await queryRows(
        db,
        sql`WITH items AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(payload)}::jsonb)
            AS x(uuid uuid, title text, type text, type_slug text, status text, hours int, content_hash text,
                 runs jsonb, authors jsonb)
        ),
        written AS (
          INSERT INTO programs AS t (site_id, uuid, title, type, type_slug, status, total_hours_of_effort, content_hash)
          SELECT ${siteId}, uuid, title, type, type_slug, status, hours, content_hash FROM items
          ON CONFLICT (site_id, uuid) DO UPDATE SET title = excluded.title, type = excluded.type,
            type_slug = excluded.type_slug, status = excluded.status,
            total_hours_of_effort = excluded.total_hours_of_effort, content_hash = excluded.content_hash,
            retired_at = NULL, updated_at = now()
          RETURNING t.id, t.uuid, (t.xmax = 0) AS inserted
        ),
        ${orderedLinks('run', 'program_course_runs', 'program_id', 'course_run_id', sql`items.runs`)},
        ${orderedLinks('author', 'program_authoring_organizations', 'program_id', 'organization_id', sql`items.authors`)}
        SELECT (SELECT count(*) FROM written WHERE inserted)::int AS created, (SELECT count(*) FROM written)::int AS written`,
      );
      return writeCountOf(row);
    },

    /** Pathways with their programs, exactly as given, in one statement. */
    async upsertPathways(db: Db, siteId: number, items: Hashed<PathwayItem & { programIds: number[] }>[]) {
      const payload = items.map(({ item, hash }) => ({
        uuid: item.uuid,
        name: item.name,
        org_name: item.orgName,
        email: item.email,
        pathway_type: item.pathwayType,
        status: item.status,
        content_hash: hash,
        programs: item.programIds,
      }));
      const [row] = await queryRows(
        db,
        sql`WITH items AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(payload)}::jsonb)
            AS x(uuid uuid, name text, org_name text, email text, pathway_type text, status text, content_hash text,
                 programs jsonb)
        ),
        written AS (
          INSERT INTO pathways AS t (site_id, uuid, name, org_name, email, pathway_type, status, content_hash)
          SELECT ${siteId}, uuid, name, org_name, email, pathway_type, status, content_hash FROM items
          ON CONFLICT (site_id, uuid) DO UPDATE SET name = excluded.name, org_name = excluded.org_name,
            email = excluded.email, pathway_type = excluded.pathway_type, status = excluded.status,
            content_hash = excluded.content_hash, retired_at = NULL, updated_at = now()
          RETURNING t.id, t.uuid, (t.xmax = 0) AS inserted
        ),
        ${orderedLinks('program', 'pathway_programs', 'pathway_id', 'program_id', sql`items.programs`)}
        SELECT (SELECT count(*) FROM written WHERE inserted)::int AS created, (SELECT count(*) FROM written)::int AS written`,
      );
      return writeCountOf(row);
    },

    async courseRunsByKeys(db: Db, siteId: number, keys: string[]) {
      if (keys.length === 0) return [];
      return db
        .select({ id: courseRuns.id, uuid: courseRuns.uuid, key: courseRuns.key })
        .from(courseRuns)
        .where(and(eq(courseRuns.siteId, siteId), inArray(courseRuns.key, keys)));
    },

    async programByUuid(db: Db, siteId: number, uuid: string) {
      const [program] = await db
        .select({ id: programs.id, uuid: programs.uuid, title: programs.title })
        .from(programs)
        .where(and(eq(programs.siteId, siteId), eq(programs.uuid, uuid)));
      return program;
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
