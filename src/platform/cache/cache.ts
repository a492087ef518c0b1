/**
 * A small key-value cache for values that can be recomputed: in-process by default, Redis when
 * REDIS_URL is set (so every instance sees the same entries and deletions). Values are JSON, and
 * what `get` returns is read-only: the memory cache hands every reader the same frozen value.
 */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  /** The values of several keys, in order, in one round trip (undefined where a key is absent). */
  getMany<T>(keys: string[]): Promise<(T | undefined)[]>;
  set<T>(key: string, value: T, ttlSeconds: number): Promise<void>;
  delete(...keys: string[]): Promise<void>;
  /** Stores the value only if the key is absent; says whether it did (atomic in Redis). */
  add<T>(key: string, value: T, ttlSeconds: number): Promise<boolean>;
  /** Returns the cached value, or computes, stores and returns it. */
  wrap<T>(key: string, ttlSeconds: number, compute: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `wrap` built from get and set, shared by both implementations. */
export async function wrapWith<T>(
  cache: Pick<Cache, 'get' | 'set'>,
  key: string,
  ttlSeconds: number,
  compute: () => Promise<T>,
): Promise<T> {
  const hit = await cache.get<T>(key);
  if (hit !== undefined) return hit;
  const value = await compute();
  if (value !== undefined) await cache.set(key, value, ttlSeconds);
  return value;
}
