import { type SQL, and, asc, count, eq, inArray } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../../platform/db/database.ts';
import { assetPath } from '../certificates/asset-path.ts';
import { assets } from '../certificates/certificates.schema.ts';
import type { Page } from '../../platform/http/pagination.ts';
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

/** Filters of the catalog read API; each list uses the ones that apply to it. */
export interface CatalogFilter {
  key?: string;
  organization?: string;
  course?: string;
  typeSlug?: string;
  status?: string;
  pathwayType?: string;
}

const iso = (date: Date | null) => (date ? `${date.toISOString().slice(0, 19)}Z` : null);

/** The total for the envelope, next to the page's rows. */
async function counted<T>(db: Db, table: PgTable, where: SQL | undefined, rows: Promise<T[]>) {
  const [total] = await db.select({ value: count() }).from(table).where(where);
  return { count: total?.value ?? 0, rows: await rows };
}

/** Read models for the catalog API: one query for the page, one per relation for the page's rows. */
const organizationsWithLogos = (db: Db) =>
  db
    .select({ org: organizations, logoUuid: assets.uuid, logoSha256: assets.sha256 })
    .from(organizations)
    .leftJoin(assets, eq(assets.id, organizations.logoAssetId));

function organizationOut(row: {
  org: typeof organizations.$inferSelect;
  logoUuid: string | null;
  logoSha256: string | null;
}) {
  const { org } = row;
  return {
    uuid: org.uuid,
    key: org.key,
    name: org.name,
    certificate_logo_image_url: org.certificateLogoImageUrl,
    certificate_logo: row.logoUuid,
    certificate_logo_url: row.logoSha256 && assetPath(row.logoSha256),
    retired: org.retiredAt !== null,
  };
}

/** One organization of the site by UUID, as the catalog API lists it. */
export async function findOrganization(db: Db, siteId: number, uuid: string) {
  const [row] = await organizationsWithLogos(db).where(
    and(eq(organizations.siteId, siteId), eq(organizations.uuid, uuid)),
  );
  return row && organizationOut(row);
}

export function createCatalogQueries() {
  const orgsOf = async (
    db: Db,
    join: typeof courseOwners | typeof programAuthoringOrganizations,
    ids: number[],
  ) => {
    if (ids.length === 0) return new Map<number, { uuid: string; key: string; name: string }[]>();
    const owner = 'courseId' in join ? join.courseId : join.programId;
    const rows = await db
      .select({ owner, uuid: organizations.uuid, key: organizations.key, name: organizations.name })
      .from(join)
      .innerJoin(organizations, eq(organizations.id, join.organizationId))
      .where(inArray(owner, ids))
      .orderBy(asc(join.position));
    const byOwner = new Map<number, { uuid: string; key: string; name: string }[]>();
    for (const { owner: id, ...org } of rows) byOwner.set(id, [...(byOwner.get(id) ?? []), org]);
    return byOwner;
  };

  return {
    async organizations(db: Db, siteId: number, filter: CatalogFilter, page: Page) {
      const where = and(
        eq(organizations.siteId, siteId),
        filter.key ? eq(organizations.key, filter.key) : undefined,
      );
      const { count: total, rows } = await counted(
        db,
        organizations,
        where,
        organizationsWithLogos(db)
          .where(where)
          .orderBy(asc(organizations.id))
          .limit(page.limit)
          .offset(page.offset),
      );
      return { count: total, results: rows.map(organizationOut) };
    },

    async courses(db: Db, siteId: number, filter: CatalogFilter, page: Page) {
      const ownedBy = filter.organization
        ? inArray(
            courses.id,
            db
              .select({ id: courseOwners.courseId })
              .from(courseOwners)
              .innerJoin(organizations, eq(organizations.id, courseOwners.organizationId))
              .where(and(eq(organizations.siteId, siteId), eq(organizations.uuid, filter.organization))),
          )
        : undefined;
      const where = and(
        eq(courses.siteId, siteId),
        filter.key ? eq(courses.key, filter.key) : undefined,
        ownedBy,
      );
      const { count: total, rows } = await counted(
        db,
        courses,
        where,
        db.select().from(courses).where(where).orderBy(asc(courses.id)).limit(page.limit).offset(page.offset),
      );
      const ids = rows.map((course) => course.id);
      const owners = await orgsOf(db, courseOwners, ids);
      const runs = ids.length
        ? await db
            .select()
            .from(courseRuns)
            .where(inArray(courseRuns.courseId, ids))
            .orderBy(asc(courseRuns.id))
        : [];
      return {
        count: total,
        results: rows.map((course) => ({
          uuid: course.uuid,
          key: course.key,
          title: course.title,
          owners: owners.get(course.id) ?? [],
          course_runs: runs
            .filter((run) => run.courseId === course.id)
            .map((run) => ({
              uuid: run.uuid,
              key: run.key,
              title: run.titleOverride ?? course.title,
              start: iso(run.startDate),
              end: iso(run.endDate),
              hidden: run.hidden,
              retired: run.retiredAt !== null,
            })),
          retired: course.retiredAt !== null,
        })),
      };
    },

    async courseRuns(db: Db, siteId: number, filter: CatalogFilter, page: Page) {
      const where = and(
        eq(courseRuns.siteId, siteId),
        filter.key ? eq(courseRuns.key, filter.key) : undefined,
        filter.course ? eq(courses.uuid, filter.course) : undefined,
      );
      const total = await db
        .select({ value: count() })
        .from(courseRuns)
        .innerJoin(courses, eq(courses.id, courseRuns.courseId))
        .where(where);
      const rows = await db
        .select({ run: courseRuns, course: { uuid: courses.uuid, key: courses.key, title: courses.title } })
        .from(courseRuns)
        .innerJoin(courses, eq(courses.id, courseRuns.courseId))
        .where(where)
        .orderBy(asc(courseRuns.id))
        .limit(page.limit)
        .offset(page.offset);
      return {
        count: total[0]?.value ?? 0,
        results: rows.map(({ run, course }) => ({
          uuid: run.uuid,
          key: run.key,
          title: run.titleOverride ?? course.title,
          course: { uuid: course.uuid, key: course.key },
          start: iso(run.startDate),
          end: iso(run.endDate),
          hidden: run.hidden,
          retired: run.retiredAt !== null,
        })),
      };
    },

    async programs(db: Db, siteId: number, filter: CatalogFilter, page: Page) {
      const authoredBy = filter.organization
        ? inArray(
            programs.id,
            db
              .select({ id: programAuthoringOrganizations.programId })
              .from(programAuthoringOrganizations)
              .innerJoin(organizations, eq(organizations.id, programAuthoringOrganizations.organizationId))
              .where(and(eq(organizations.siteId, siteId), eq(organizations.uuid, filter.organization))),
          )
        : undefined;
      const where = and(
        eq(programs.siteId, siteId),
        filter.typeSlug ? eq(programs.typeSlug, filter.typeSlug) : undefined,
        filter.status ? eq(programs.status, filter.status as 'active') : undefined,
        authoredBy,
      );
      const { count: total, rows } = await counted(
        db,
        programs,
        where,
        db
          .select()
          .from(programs)
          .where(where)
          .orderBy(asc(programs.id))
          .limit(page.limit)
          .offset(page.offset),
      );
      const ids = rows.map((program) => program.id);
      const authors = await orgsOf(db, programAuthoringOrganizations, ids);
      const runs = ids.length
        ? await db
            .select({
              programId: programCourseRuns.programId,
              uuid: courseRuns.uuid,
              key: courseRuns.key,
              courseUuid: courses.uuid,
            })
            .from(programCourseRuns)
            .innerJoin(courseRuns, eq(courseRuns.id, programCourseRuns.courseRunId))
            .innerJoin(courses, eq(courses.id, courseRuns.courseId))
            .where(inArray(programCourseRuns.programId, ids))
            .orderBy(asc(programCourseRuns.position))
        : [];
      return {
        count: total,
        results: rows.map((program) => ({
          uuid: program.uuid,
          title: program.title,
          type: program.type,
          type_slug: program.typeSlug,
          status: program.status,
          total_hours_of_effort: program.totalHoursOfEffort,
          authoring_organizations: authors.get(program.id) ?? [],
          course_runs: runs
            .filter((run) => run.programId === program.id)
            .map((run) => ({ uuid: run.uuid, key: run.key, course_uuid: run.courseUuid })),
          retired: program.retiredAt !== null,
        })),
      };
    },

    async pathways(db: Db, siteId: number, filter: CatalogFilter, page: Page) {
      const where = and(
        eq(pathways.siteId, siteId),
        filter.status ? eq(pathways.status, filter.status as 'published') : undefined,
        filter.pathwayType ? eq(pathways.pathwayType, filter.pathwayType as 'credit') : undefined,
      );
      const { count: total, rows } = await counted(
        db,
        pathways,
        where,
        db
          .select()
          .from(pathways)
          .where(where)
          .orderBy(asc(pathways.id))
          .limit(page.limit)
          .offset(page.offset),
      );
      const ids = rows.map((pathway) => pathway.id);
      const linked = ids.length
        ? await db
            .select({ pathwayId: pathwayPrograms.pathwayId, uuid: programs.uuid })
            .from(pathwayPrograms)
            .innerJoin(programs, eq(programs.id, pathwayPrograms.programId))
            .where(inArray(pathwayPrograms.pathwayId, ids))
            .orderBy(asc(pathwayPrograms.position))
        : [];
      return {
        count: total,
        results: rows.map((pathway) => ({
          uuid: pathway.uuid,
          name: pathway.name,
          org_name: pathway.orgName,
          email: pathway.email,
          pathway_type: pathway.pathwayType,
          status: pathway.status,
          programs: linked.filter((link) => link.pathwayId === pathway.id).map((link) => link.uuid),
          retired: pathway.retiredAt !== null,
        })),
      };
    },
  };
}

export type CatalogQueries = ReturnType<typeof createCatalogQueries>;
