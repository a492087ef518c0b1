import { Redis } from 'ioredis';
import { type Cache, wrapWith } from './cache.ts';

/** Shared cache in Redis. Keys are prefixed so Laurel can share a Redis with other programs. */
export function createRedisCache(url: string, { prefix }: { prefix: string }): Cache {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  // Connection errors surface on the command that needed Redis; the client reconnects by itself.
  redis.on('error', () => {});
  const cache: Cache = {
    async get<T>(key: string) {
      const text = await redis.get(prefix + key);
      return text === null ? undefined : (JSON.parse(text) as T);
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
