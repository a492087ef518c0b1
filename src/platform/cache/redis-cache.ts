import { Redis } from 'ioredis';
import { type Cache, wrapWith } from './cache.ts';

/** Far above a healthy command's time (well under a millisecond), far below a client's patience. */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;

const parsed = <T>(text: string | null) => (text === null ? undefined : (JSON.parse(text) as T));

/** Shared cache in Redis. Keys are prefixed so Laurel can share a Redis with other programs. */
export function createRedisCache(url: string, { prefix }: { prefix: string }): Cache {
  const redis = new Redis(url, {
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    // A Redis that stops answering fails the requests that need it (503) instead of holding them.
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
  });
  // Connection errors surface on the command that needed Redis; the client reconnects by itself.
  redis.on('error', () => {});
  const cache: Cache = {
    async get<T>(key: string) {
      return parsed<T>(await redis.get(prefix + key));
    },
    async getMany<T>(keys: string[]) {
      if (keys.length === 0) return [];
      return (await redis.mget(keys.map((key) => prefix + key))).map((text) => parsed<T>(text));
    },
    async set(key, value, ttlSeconds) {
      await redis.set(prefix + key, JSON.stringify(value), 'EX', Math.max(1, Math.ceil(ttlSeconds)));
    },
    async add(key, value, ttlSeconds) {
      const stored = await redis.set(
        prefix + key,
        JSON.stringify(value),
        'EX',
        Math.max(1, Math.ceil(ttlSeconds)),
        'NX',
      );
      return stored === 'OK';
    },
    async delete(...keys) {
      if (keys.length > 0) await redis.del(...keys.map((key) => prefix + key));
    },
    wrap: (key, ttlSeconds, compute) => wrapWith(cache, key, ttlSeconds, compute),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
  return cache;
}
