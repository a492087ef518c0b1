import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import type { SessionsRepository } from './sessions.repository.ts';

export interface SessionsServiceDeps {
  database: Database;
  repository: SessionsRepository;
  clock: Clock;
  idleMinutes: number;
  maxHours: number;
}

export interface NewSession {
  siteId: number;
  userId: number;
  method: 'lms' | 'oidc' | 'local';
  claimRoles?: string[];
  providerLogoutUrl?: string | null;
}

export interface ActiveSession {
  tokenHash: string;
  userId: number;
  username: string;
  claimRoles: string[];
  method: string;
  providerLogoutUrl: string | null;
}

/** Updating `last_seen_at` on every request would make every page view a write; once a minute is enough. */
const TOUCH_INTERVAL_MS = 60_000;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Browser sessions with idle and absolute timeouts. The token is only ever in the cookie. */
export function createSessionsService({
  database,
  repository,
  clock,
  idleMinutes,
  maxHours,
}: SessionsServiceDeps) {
  const { db } = database;
  const idleMs = idleMinutes * 60_000;

  return {
    maxAgeSeconds: maxHours * 3600,

    /** Starts a session; returns the token for the cookie. Sweeps sessions past their absolute end. */
    async create(session: NewSession): Promise<string> {
      const token = randomBytes(32).toString('base64url');
      const now = clock.now();
      await repository.deleteExpired(db, now);
      await repository.insert(db, {
        tokenHash: hashToken(token),
        siteId: session.siteId,
        userId: session.userId,
        method: session.method,
        claimRoles: session.claimRoles ?? [],
        providerLogoutUrl: session.providerLogoutUrl ?? null,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + maxHours * 3_600_000),
      });
      return token;
    },

    /** The live session for a cookie token on this site, or null (expired sessions are deleted). */
    async resolve(token: string, siteId: number): Promise<ActiveSession | null> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
      const tokenHash = hashToken(token);
      const found = await repository.find(db, tokenHash, siteId);
      if (!found) return null;
      const { session } = found;
      const now = clock.now();
      const idleExpired = now.getTime() - session.lastSeenAt.getTime() > idleMs;
      if (idleExpired || session.expiresAt <= now || !found.isActive) {
        await repository.delete(db, tokenHash);
        return null;
      }
      if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS)
        await repository.touch(db, tokenHash, now);
      return {
        tokenHash,
        userId: session.userId,
        username: found.username,
        claimRoles: session.claimRoles,
        method: session.method,
        providerLogoutUrl: session.providerLogoutUrl,
      };
    },

    async end(token: string): Promise<void> {
      await repository.delete(db, hashToken(token));
    },
  };
}

export type SessionsService = ReturnType<typeof createSessionsService>;
