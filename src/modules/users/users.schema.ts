import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/pg-core';
import { id, ref, timestamps } from '../../platform/db/columns.ts';
import { sites } from '../sites/sites.schema.ts';

/** The largest LMS user id the `lms_user_id` column (a 32-bit integer) holds. */
export const LMS_USER_ID_MAX = 2_147_483_647;

/**
 * People and services known to Laurel. Users are shared by all sites (as in the LMS); what they may do
 * is granted per site through role assignments. Credentials and grades point at `users.id`, so a
 * username change touches one row.
 */
export const users = pgTable(
  'users',
  {
    id: id(),
    username: varchar('username', { length: 150 }).notNull(),
    lmsUserId: integer('lms_user_id'),
    email: varchar('email', { length: 254 }).notNull().default(''),
    fullName: varchar('full_name', { length: 255 }).notNull().default(''),
    isActive: boolean('is_active').notNull().default(true),
    /** scrypt hash for local accounts; null for users who sign in through the LMS or call with JWTs. */
    passwordHash: text('password_hash'),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    /** Consecutive failed local sign-ins; reset by a successful one. */
    failedLoginCount: integer('failed_login_count').notNull().default(0),
    /** Local sign-in refused until then, after too many failures. */
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('users_username_key').on(sql`lower(${t.username})`),
    index('users_lms_user_id_idx').on(t.lmsUserId),
    index('users_email_idx').on(sql`lower(${t.email})`),
  ],
);

/** A named bundle of permissions. Built-in roles (admin, support, issuer) are seeded by migration. */
export const roles = pgTable('roles', {
  id: id(),
  name: varchar('name', { length: 64 }).notNull().unique(),
  description: text('description').notNull().default(''),
  builtIn: boolean('built_in').notNull().default(false),
  ...timestamps(),
});

export const rolePermissions = pgTable(
  'role_permissions',
  {
    roleId: ref('role_id')
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
    permission: varchar('permission', { length: 64 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.roleId, t.permission] })],
);

/** Grants a role to a user on one site, or on every site when `site_id` is null. */
export const userRoles = pgTable(
  'user_roles',
  {
    id: id(),
    siteId: ref('site_id').references(() => sites.id, { onDelete: 'cascade' }),
    userId: ref('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    roleId: ref('role_id')
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
    ...timestamps(),
  },
  (t) => [
    unique('user_roles_site_user_role_key').on(t.siteId, t.userId, t.roleId).nullsNotDistinct(),
    index().on(t.userId),
  ],
);
