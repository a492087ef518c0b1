import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import { users } from '../users/users.schema.ts';
import { sessions } from './auth.schema.ts';

export type Session = typeof sessions.$inferSelect;

export function createSessionsRepository() {
  return {
    async insert(db: Db, values: typeof sessions.$inferInsert): Promise<void> {
      await db.insert(sessions).values(values);
    },

    /** The session and its user's name, for the site the request came to. */
    async find(db: Db, tokenHash: string, siteId: number) {
      const [row] = await db
        .select({ session: sessions, username: users.username, isActive: users.isActive })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(and(eq(sessions.tokenHash, tokenHash), eq(sessions.siteId, siteId)));
      return row;
    },

    async touch(db: Db, tokenHash: string, at: Date): Promise<void> {
      await db.update(sessions).set({ lastSeenAt: at }).where(eq(sessions.tokenHash, tokenHash));
    },

    async delete(db: Db, tokenHash: string): Promise<void> {
      await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
    },

    async deleteExpired(db: Db, now: Date): Promise<number> {
      const deleted = await db
        .delete(sessions)
        .where(lt(sessions.expiresAt, now))
        .returning({ hash: sessions.tokenHash });
      return deleted.length;
    },
  };
}

export type SessionsRepository = ReturnType<typeof createSessionsRepository>;
