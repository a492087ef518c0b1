import {
  boolean,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { id, ref, timestamps } from '../../platform/db/columns.ts';

/**
 * Kept on every synced row: a hash of what the catalog service last said about it (unchanged items are
 * skipped), and when it vanished upstream while something here still needed it.
 */
const syncColumns = () => ({
  contentHash: varchar('content_hash', { length: 64 }),
  retiredAt: timestamp('retired_at', { withTimezone: true }),
});
import { assets } from '../certificates/certificates.schema.ts';
import { siteId } from '../sites/sites.schema.ts';

/**
 * The local copy of the course catalog, per site. `uuid` is the catalog service's identifier; keys are
 * the human-readable ones (organization short name, course key, course run key).
 */
export const organizations = pgTable(
  'organizations',
  {
    id: id(),
    siteId: siteId(),
    uuid: uuid('uuid').notNull(),
    key: varchar('key', { length: 255 }).notNull(),
    name: varchar('name', { length: 255 }).notNull().default(''),
    certificateLogoImageUrl: text('certificate_logo_image_url'),
    /** The logo certificates show, uploaded to Laurel (the catalog's URL is elsewhere, and pages load nothing from elsewhere). */
    logoAssetId: ref('logo_asset_id').references(() => assets.id, { onDelete: 'restrict' }),
    ...syncColumns(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('organizations_site_uuid_key').on(t.siteId, t.uuid),
    index().on(t.siteId, t.key),
    index().on(t.logoAssetId),
  ],
);

export const courses = pgTable(
  'courses',
  {
    id: id(),
    siteId: siteId(),
    uuid: uuid('uuid').notNull(),
    key: varchar('key', { length: 255 }).notNull(),
    title: varchar('title', { length: 255 }).notNull().default(''),
    ...syncColumns(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('courses_site_uuid_key').on(t.siteId, t.uuid), index().on(t.siteId, t.key)],
);

/** The organizations that own a course, in the catalog's order. */
export const courseOwners = pgTable(
  'course_owners',
  {
    courseId: ref('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    organizationId: ref('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.courseId, t.organizationId] }), index().on(t.organizationId)],
);

export const courseRuns = pgTable(
  'course_runs',
  {
    id: id(),
    siteId: siteId(),
    courseId: ref('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'restrict' }),
    uuid: uuid('uuid').notNull(),
    key: varchar('key', { length: 255 }).notNull(),
    /** Set only when the run's title differs from its course's. */
    titleOverride: varchar('title_override', { length: 255 }),
    startDate: timestamp('start_date', { withTimezone: true }),
    endDate: timestamp('end_date', { withTimezone: true }),
    hidden: boolean('hidden').notNull().default(false),
    retiredAt: timestamp('retired_at', { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('course_runs_site_uuid_key').on(t.siteId, t.uuid),
    uniqueIndex('course_runs_site_key_key').on(t.siteId, t.key),
    index().on(t.courseId),
  ],
);

export const programs = pgTable(
  'programs',
  {
    id: id(),
    siteId: siteId(),
    uuid: uuid('uuid').notNull(),
    title: varchar('title', { length: 255 }).notNull(),
    /** Display name of the program type, e.g. "Professional Certificate". */
    type: varchar('type', { length: 64 }).notNull().default(''),
    typeSlug: varchar('type_slug', { length: 64 }).notNull().default(''),
    status: varchar('status', { length: 24, enum: ['active', 'retired', 'deleted', 'unpublished'] })
      .notNull()
      .default('active'),
    totalHoursOfEffort: integer('total_hours_of_effort'),
    ...syncColumns(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('programs_site_uuid_key').on(t.siteId, t.uuid), index().on(t.siteId, t.typeSlug)],
);

/** A program's course runs, in order. A course can appear through several of its runs. */
export const programCourseRuns = pgTable(
  'program_course_runs',
  {
    programId: ref('program_id')
      .notNull()
      .references(() => programs.id, { onDelete: 'cascade' }),
    courseRunId: ref('course_run_id')
      .notNull()
      .references(() => courseRuns.id, { onDelete: 'restrict' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.programId, t.courseRunId] }), index().on(t.courseRunId)],
);

export const programAuthoringOrganizations = pgTable(
  'program_authoring_organizations',
  {
    programId: ref('program_id')
      .notNull()
      .references(() => programs.id, { onDelete: 'cascade' }),
    organizationId: ref('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.programId, t.organizationId] }), index().on(t.organizationId)],
);

/** Where learners can send program records (a university's credit office, an employer). */
export const pathways = pgTable(
  'pathways',
  {
    id: id(),
    siteId: siteId(),
    uuid: uuid('uuid').notNull(),
    name: varchar('name', { length: 255 }).notNull(),
    orgName: varchar('org_name', { length: 255 }).notNull().default(''),
    email: varchar('email', { length: 254 }).notNull().default(''),
    pathwayType: varchar('pathway_type', { length: 32, enum: ['credit', 'industry'] })
      .notNull()
      .default('credit'),
    status: varchar('status', { length: 24, enum: ['published', 'unpublished', 'retired'] })
      .notNull()
      .default('published'),
    ...syncColumns(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('pathways_site_uuid_key').on(t.siteId, t.uuid)],
);

export const pathwayPrograms = pgTable(
  'pathway_programs',
  {
    pathwayId: ref('pathway_id')
      .notNull()
      .references(() => pathways.id, { onDelete: 'cascade' }),
    programId: ref('program_id')
      .notNull()
      .references(() => programs.id, { onDelete: 'restrict' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.pathwayId, t.programId] }), index().on(t.programId)],
);
