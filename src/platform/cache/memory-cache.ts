import { LRUCache } from 'lru-cache';
import { type Cache, wrapWith } from './cache.ts';

/**
 * In-process cache. Values are stored as JSON text so callers get a fresh copy each time (no shared
 * mutable objects) and both implementations behave alike.
 */
export function createMemoryCache(options: { maxEntries?: number; maxBytes?: number } = {}): Cache {
  const lru = new LRUCache<string, string>({
    max: options.maxEntries ?? 10_000,
    maxSize: options.maxBytes ?? 64 * 1024 * 1024,
    sizeCalculation: (value, key) => value.length + key.length,
  });
  const cache: Cache = {
    async get<T>(key: string) {
      const text = lru.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as T);
    },
    async set(key, value, ttlSeconds) {
      lru.set(key, JSON.stringify(value), { ttl: ttlSeconds * 1000 });
    },
    async add(key, value, ttlSeconds) {
      if (lru.has(key)) return false;
      lru.set(key, JSON.stringify(value), { ttl: ttlSeconds * 1000 });
      return true;
    },
    async delete(...keys) {
      for (const key of keys) lru.delete(key);
    },
    wrap: (key, ttlSeconds, compute) => wrapWith(cache, key, ttlSeconds, compute),
    async close() {
      lru.clear();
    },
  };
  return cache;
}
