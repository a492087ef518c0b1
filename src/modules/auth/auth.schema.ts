import { index, jsonb, pgTable, timestamp, varchar } from 'drizzle-orm/pg-core';
import { ref } from '../../platform/db/columns.ts';
import { siteId } from '../sites/sites.schema.ts';
import { users } from '../users/users.schema.ts';

/**
 * Browser login sessions. The cookie holds a random token; only its SHA-256 is stored, so a copy of
 * the table cannot be used to sign in. A session belongs to one site.
 */
export const sessions = pgTable(
  'sessions',
  {
    tokenHash: varchar('token_hash', { length: 64 }).primaryKey(),
    siteId: siteId(),
    userId: ref('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** How the user signed in: `lms`, `oidc` or `local`. */
    method: varchar('method', { length: 16 }).notNull(),
    /** Roles granted by the sign-in itself (an LMS administrator claim), on top of stored ones. */
    claimRoles: jsonb('claim_roles').$type<string[]>().notNull().default([]),
    /** Where the provider can end the session too (OIDC end_session_endpoint, LMS logout). */
    providerLogoutUrl: varchar('provider_logout_url', { length: 2048 }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index().on(t.userId), index().on(t.expiresAt)],
);
