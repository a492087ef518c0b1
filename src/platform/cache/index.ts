import type { Cache } from './cache.ts';
import { createMemoryCache } from './memory-cache.ts';
import { createRedisCache } from './redis-cache.ts';

export type { Cache } from './cache.ts';

export function createCache(redisUrl: string | undefined, keyPrefix: string): Cache {
  return redisUrl ? createRedisCache(redisUrl, { prefix: `${keyPrefix}cache:` }) : createMemoryCache();
}
