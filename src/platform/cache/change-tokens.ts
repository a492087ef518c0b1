import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { Cache } from './cache.ts';

/** Tokens live this long; one that expires or is evicted is replaced, which only costs a re-render. */
const TOKEN_SECONDS = 7 * 24 * 3600;

/**
 * The things cached pages depend on, by name. A writer bumps the token of what it changed after its
 * transaction commits; a reader takes the tokens before it reads the database and keeps them with
 * what it caches, and a cached value whose tokens no longer match is stale. Reading the tokens first
 * makes the race safe: a reader that saw the old token may cache old data, but under a token that is
 * already outdated.
 *
 * A writer also bumps just before its commit. If the cache cannot be reached then, the transaction
 * rolls back and the caller may try again; once the commit is made, a failed bump can no longer
 * undo it, and the bump before it has already outdated everything cached until then.
 */
export const changeKeys = {
  credential: (uuid: string) => `changes:credential:${uuid}`,
  user: (userId: number) => `changes:user:${userId}`,
  /** Which events a site's webhook subscriptions want. */
  webhookSubscriptions: (siteId: number) => `changes:webhook-subscriptions:${siteId}`,
  /** Everything site-wide that certificates show: configurations, signatories, templates, assets, catalog, settings. */
  siteCertificates: (siteId: number) => `changes:site-certificates:${siteId}`,
};

/**
 * Tokens only need to differ from every token made before: a random prefix per process and a counter
 * make them so, for the price of an increment (random bytes per token were a cost of cold pages).
 */
const TOKEN_PREFIX = randomBytes(9).toString('base64url');
let tokensMade = 0;
const newToken = () => `${TOKEN_PREFIX}${(tokensMade++).toString(36)}`;

/**
 * Change tokens kept in the shared cache: in Redis, a bump on one instance is seen by every other at
 * once; in process, by this one (a single instance, as with PGlite). A bump deletes the token and the
 * next reader makes a new one, so bulk writes do not fill the cache with tokens nobody reads.
 */
export function createChangeTokens(cache: Cache, logger: Logger) {
  return {
    /**
     * The current token of each key, in order, undefined where there is none: for a reader about
     * things that may not exist, which must not leave tokens behind for whatever it is asked.
     */
    existing: (keys: string[]) => cache.getMany<string>(keys),

    /** The current token of each key, in order; a key without one gets one. */
    async current(keys: string[]): Promise<string[]> {
      const found = await cache.getMany<string>(keys);
      // The usual case, answered without a promise per key: every token is there.
      if (found.every((token) => token !== undefined)) return found as string[];
      return Promise.all(
        keys.map(async (key, i) => {
          const token = found[i];
          if (token !== undefined) return token;
          const made = newToken();
          if (await cache.add(key, made, TOKEN_SECONDS)) return made;
          // Bumped since another reader made one: a token of our own, stored nowhere, matches nothing.
          return (await cache.get<string>(key)) ?? newToken();
        }),
      );
    },

    /**
     * Runs `work` in one transaction and marks `keys` changed just before and after it commits;
     * keys that only the work finds out are given as a function of what it returns.
     */
    async commit<T>(
      db: Db,
      work: (tx: Db) => Promise<T>,
      keys: string[] | ((result: T) => string[]),
    ): Promise<T> {
      let changed: string[] = [];
      const result = await db.transaction(async (tx) => {
        const done = await work(tx);
        changed = typeof keys === 'function' ? keys(done) : keys;
        await this.bump(...changed);
        return done;
      });
      await this.bumpCommitted(...changed);
      return result;
    },

    /** Marks these things changed: anything cached under their old tokens is stale from now on. */
    async bump(...keys: string[]): Promise<void> {
      if (keys.length > 0) await cache.delete(...keys);
    },

    /**
     * The bump after a commit, when the one before it was made: its failure is logged, not thrown,
     * since the change is made and the caller must hear so.
     */
    async bumpCommitted(...keys: string[]): Promise<void> {
      try {
        await this.bump(...keys);
      } catch (error) {
        logger.warn(
          { err: error, keys: keys.length },
          'changes committed, but their tokens not bumped after',
        );
      }
    },
  };
}

export type ChangeTokens = ReturnType<typeof createChangeTokens>;
