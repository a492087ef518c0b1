import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/pg-core';
import { id, publicUuid, ref, timestamps } from '../../platform/db/columns.ts';
import { courseRuns, programs } from '../catalog/catalog.schema.ts';
import { assets } from '../certificates/certificates.schema.ts';
import { siteId } from '../sites/sites.schema.ts';
import { users } from '../users/users.schema.ts';

export const CREDENTIAL_KINDS = ['program', 'course-run'] as const;
export const COURSE_MODES = [
  'honor',
  'verified',
  'professional',
  'no-id-professional',
  'masters',
  'audit',
] as const;
export const CREDENTIAL_STATUSES = ['awarded', 'revoked'] as const;

/**
 * What can be awarded and how it looks. One table for every kind: a `program` config points at a
 * program; a `course-run` config names a run key and mode, and links the catalog run once it is known
 * (the LMS may announce a run's certificate before the catalog sync has copied the run).
 */
export const credentialConfigs = pgTable(
  'credential_configs',
  {
    id: id(),
    uuid: publicUuid(),
    siteId: siteId(),
    kind: varchar('kind', { length: 32, enum: CREDENTIAL_KINDS }).notNull(),
    programId: ref('program_id').references(() => programs.id, { onDelete: 'restrict' }),
    courseRunKey: varchar('course_run_key', { length: 255 }),
    courseRunId: ref('course_run_id').references(() => courseRuns.id, { onDelete: 'restrict' }),
    mode: varchar('mode', { length: 32, enum: COURSE_MODES }),
    isActive: boolean('is_active').notNull().default(true),
    title: varchar('title', { length: 255 }),
    language: varchar('language', { length: 16 }),
    useOrgName: boolean('use_org_name').notNull().default(false),
    includeHoursOfEffort: boolean('include_hours_of_effort').notNull().default(false),
    certificateAvailableDate: timestamp('certificate_available_date', { withTimezone: true }),
    displayOptions: jsonb('display_options').notNull().default({}),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('credential_configs_program_key')
      .on(t.siteId, t.programId)
      .where(sql`${t.kind} = 'program'`),
    uniqueIndex('credential_configs_course_run_mode_key')
      .on(t.siteId, t.courseRunKey, t.mode)
      .where(sql`${t.kind} = 'course-run'`),
    index().on(t.courseRunId),
    check(
      'credential_configs_subject',
      sql`(${t.kind} = 'program' AND ${t.programId} IS NOT NULL AND ${t.courseRunKey} IS NULL AND ${t.mode} IS NULL)
       OR (${t.kind} = 'course-run' AND ${t.programId} IS NULL AND ${t.courseRunKey} IS NOT NULL AND ${t.mode} IS NOT NULL)`,
    ),
  ],
);

/** A person whose name, title and signature appear on certificates. */
export const signatories = pgTable(
  'signatories',
  {
    id: id(),
    uuid: publicUuid(),
    siteId: siteId(),
    name: varchar('name', { length: 255 }).notNull(),
    title: varchar('title', { length: 255 }).notNull().default(''),
    organizationNameOverride: varchar('organization_name_override', { length: 255 }),
    imageAssetId: ref('image_asset_id').references(() => assets.id, { onDelete: 'restrict' }),
    ...timestamps(),
  },
  (t) => [index().on(t.siteId)],
);

export const credentialConfigSignatories = pgTable(
  'credential_config_signatories',
  {
    configId: ref('config_id')
      .notNull()
      .references(() => credentialConfigs.id, { onDelete: 'cascade' }),
    signatoryId: ref('signatory_id')
      .notNull()
      .references(() => signatories.id, { onDelete: 'restrict' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.configId, t.signatoryId] }), index().on(t.signatoryId)],
);

/**
 * A credential awarded to a learner: one row per (learner, config). Revoking keeps the row and its
 * data; the public pages then hide it.
 */
export const userCredentials = pgTable(
  'user_credentials',
  {
    id: id(),
    uuid: publicUuid(),
    siteId: siteId(),
    userId: ref('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    configId: ref('config_id')
      .notNull()
      .references(() => credentialConfigs.id, { onDelete: 'restrict' }),
    status: varchar('status', { length: 16, enum: CREDENTIAL_STATUSES }).notNull().default('awarded'),
    awardedAt: timestamp('awarded_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokeReason: text('revoke_reason'),
    /** The LMS's certificate date override: shown as the date earned, changes nothing else. */
    dateOverride: timestamp('date_override', { withTimezone: true }),
    /**
     * A program credential's date, stored when it is awarded: the latest date of the learner's course
     * credentials in the program. Until then (or without any), it is not shown publicly.
     */
    visibleDate: timestamp('visible_date', { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('user_credentials_user_config_key').on(t.userId, t.configId),
    index().on(t.siteId, t.status),
    index().on(t.configId, t.status),
    check('user_credentials_revocation', sql`(${t.status} = 'revoked') = (${t.revokedAt} IS NOT NULL)`),
  ],
);

export const userCredentialAttributes = pgTable(
  'user_credential_attributes',
  {
    id: id(),
    userCredentialId: ref('user_credential_id')
      .notNull()
      .references(() => userCredentials.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 255 }).notNull(),
    value: varchar('value', { length: 255 }).notNull(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('user_credential_attributes_credential_name_key').on(t.userCredentialId, t.name)],
);

export const CREDENTIAL_EVENT_TYPES = ['awarded', 'revoked', 're-awarded', 'changed'] as const;

/** Append-only history of every change to an awarded credential: what, who, and through which door. */
export const credentialEvents = pgTable(
  'credential_events',
  {
    id: id(),
    siteId: siteId(),
    userCredentialId: ref('user_credential_id')
      .notNull()
      .references(() => userCredentials.id, { onDelete: 'restrict' }),
    type: varchar('type', { length: 32, enum: CREDENTIAL_EVENT_TYPES }).notNull(),
    fromStatus: varchar('from_status', { length: 16, enum: CREDENTIAL_STATUSES }),
    toStatus: varchar('to_status', { length: 16, enum: CREDENTIAL_STATUSES }).notNull(),
    actorUserId: ref('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    /** The entry point: api, bulk, admin, cli, program-completion, event. */
    source: varchar('source', { length: 32 }).notNull(),
    details: jsonb('details').notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.userCredentialId, t.createdAt), index().on(t.siteId, t.createdAt)],
);
