import { sql } from 'drizzle-orm';
import { boolean, pgTable, text, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { id, ref, timestamps } from '../../platform/db/columns.ts';

/** A tenant: one per host name. Everything a tenant owns carries `site_id`. */
export const sites = pgTable(
  'sites',
  {
    id: id(),
    domain: varchar('domain', { length: 253 }).notNull(),
    name: varchar('name', { length: 255 }).notNull(),
    platformName: varchar('platform_name', { length: 255 }).notNull().default(''),
    companyName: varchar('company_name', { length: 255 }).notNull().default(''),
    lmsUrl: text('lms_url'),
    catalogApiUrl: text('catalog_api_url'),
    oauthClientId: varchar('oauth_client_id', { length: 255 }),
    oauthClientSecret: text('oauth_client_secret'),
    ssoClientId: varchar('sso_client_id', { length: 255 }),
    ssoClientSecret: text('sso_client_secret'),
    oidcDiscoveryUrl: text('oidc_discovery_url'),
    theme: varchar('theme', { length: 100 }).notNull().default('default'),
    homepageUrl: text('homepage_url'),
    tosUrl: text('tos_url'),
    privacyPolicyUrl: text('privacy_policy_url'),
    certificateHelpUrl: text('certificate_help_url'),
    recordsHelpUrl: text('records_help_url'),
    senderAddress: varchar('sender_address', { length: 254 }),
    defaultLanguage: varchar('default_language', { length: 16 }).notNull().default('en'),
    recordsEnabled: boolean('records_enabled').notNull().default(true),
    enableLinkedinSharing: boolean('enable_linkedin_sharing').notNull().default(true),
    enableTwitterSharing: boolean('enable_twitter_sharing').notNull().default(true),
    enableFacebookSharing: boolean('enable_facebook_sharing').notNull().default(false),
    facebookAppId: varchar('facebook_app_id', { length: 32 }),
    twitterUsername: varchar('twitter_username', { length: 15 }),
    searchIndexing: boolean('search_indexing').notNull().default(false),
    /** Course modes whose certificates count towards completing a program, comma-separated. */
    programCompletionModes: varchar('program_completion_modes', { length: 255 })
      .notNull()
      .default('verified,professional,no-id-professional,masters'),
    /** Award a program's credential when a learner completes it. */
    autoAwardPrograms: boolean('auto_award_programs').notNull().default(true),
    /** Revoke a program's credential when a course credential it rested on is revoked. */
    revokeProgramsWithCourses: boolean('revoke_programs_with_courses').notNull().default(false),
    ...timestamps(),
  },
  (t) => [uniqueIndex('sites_domain_key').on(sql`lower(${t.domain})`)],
);

/** The `site_id` column every tenant-owned table carries. */
export const siteId = () =>
  ref('site_id')
    .notNull()
    .references(() => sites.id, { onDelete: 'restrict' });
