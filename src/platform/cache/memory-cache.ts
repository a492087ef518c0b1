import { LRUCache } from 'lru-cache';
import { deepFreeze } from '../deep-freeze.ts';
import { type Cache, wrapWith } from './cache.ts';

/**
 * In-process cache. A value goes through JSON when stored, so readers see what Redis would give
 * them (dates as strings, no functions), and is then frozen: every reader shares one copy without
 * parsing it again, and none can change what the others see.
 */
export function createMemoryCache(options: { maxEntries?: number; maxBytes?: number } = {}): Cache {
  const lru = new LRUCache<string, object | string | number | boolean>({
    max: options.maxEntries ?? 10_000,
    maxSize: options.maxBytes ?? 64 * 1024 * 1024,
  });
  const store = (key: string, value: unknown, ttlSeconds: number) => {
    const text = JSON.stringify(value);
    lru.set(key, deepFreeze(JSON.parse(text)), { ttl: ttlSeconds * 1000, size: text.length + key.length });
  };
  const cache: Cache = {
    async get<T>(key: string) {
      return lru.get(key) as T | undefined;
    },
    async getMany<T>(keys: string[]) {
      return keys.map((key) => lru.get(key) as T | undefined);
    },
    async set(key, value, ttlSeconds) {
      store(key, value, ttlSeconds);
    },
    async add(key, value, ttlSeconds) {
      if (lru.has(key)) return false;
      store(key, value, ttlSeconds);
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
