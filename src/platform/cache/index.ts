import type { Cache } from './cache.ts';
import { createMemoryCache } from './memory-cache.ts';
import { createRedisCache } from './redis-cache.ts';

export type { Cache } from './cache.ts';

export function createCache(redisUrl: string | undefined, options: { prefix?: string } = {}): Cache {
  return redisUrl ? createRedisCache(redisUrl, options) : createMemoryCache();
}
