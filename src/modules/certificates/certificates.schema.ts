import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { id, publicUuid, ref, timestamps } from '../../platform/db/columns.ts';
import { siteId } from '../sites/sites.schema.ts';
import { users } from '../users/users.schema.ts';

export const TEMPLATE_SCOPES = [
  'config',
  'program',
  'program-type',
  'organization',
  'credential-kind',
  'site',
] as const;

/**
 * A Liquid template (or partial) for one site, chosen by the most specific scope that matches a
 * credential: its config, its program, the program type, an organization, the credential kind, then the
 * site-wide one. `scope_key` names the match (config uuid, program uuid, type slug, organization uuid,
 * kind); it is empty for the site scope. The body lives in versions; `current_version` points at one.
 */
export const templates = pgTable(
  'templates',
  {
    id: id(),
    uuid: publicUuid(),
    siteId: siteId(),
    part: varchar('part', { length: 32 }).notNull(),
    scope: varchar('scope', { length: 32, enum: TEMPLATE_SCOPES }).notNull(),
    scopeKey: varchar('scope_key', { length: 255 }).notNull().default(''),
    name: varchar('name', { length: 255 }).notNull().default(''),
    currentVersion: integer('current_version').notNull(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('templates_site_part_scope_key').on(t.siteId, t.part, t.scope, t.scopeKey)],
);

/** Every saved body of a template, kept so any version can be restored. */
export const templateVersions = pgTable(
  'template_versions',
  {
    id: id(),
    templateId: ref('template_id')
      .notNull()
      .references(() => templates.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    body: text('body').notNull(),
    createdByUserId: ref('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps(),
  },
  (t) => [uniqueIndex('template_versions_template_version_key').on(t.templateId, t.version)],
);

/** An uploaded file (signature, logo, background), stored once per site by content hash. */
export const assets = pgTable(
  'assets',
  {
    id: id(),
    uuid: publicUuid(),
    siteId: siteId(),
    sha256: varchar('sha256', { length: 64 }).notNull(),
    contentType: varchar('content_type', { length: 100 }).notNull(),
    byteSize: integer('byte_size').notNull(),
    width: integer('width'),
    height: integer('height'),
    originalName: varchar('original_name', { length: 255 }).notNull().default(''),
    storageKey: text('storage_key').notNull(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('assets_site_sha256_key').on(t.siteId, t.sha256),
    index().on(t.siteId, t.createdAt),
    check('assets_sha256_hex', sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
  ],
);
