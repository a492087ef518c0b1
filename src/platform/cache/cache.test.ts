import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cache } from './cache.ts';
import { createMemoryCache } from './memory-cache.ts';
import { createRedisCache } from './redis-cache.ts';

const TEST_REDIS_URL = process.env.TEST_REDIS_URL;

/** A key prefix no other run (or test) shares, so runs against one Redis never meet. */
const uniquePrefix = () => `laurel-test:${randomUUID()}:`;

const implementations: { name: string; create: () => Cache }[] = [
  { name: 'memory', create: () => createMemoryCache() },
];
if (TEST_REDIS_URL) {
  implementations.push({
    name: 'redis',
    create: () => createRedisCache(TEST_REDIS_URL, { prefix: uniquePrefix() }),
  });
}

describe.each(implementations)('$name cache', ({ create }) => {
  let cache: Cache;

  beforeAll(() => {
    cache = create();
  });
  afterAll(async () => {
    // Every key the tests below write, so a Redis run leaves nothing behind.
    const keys = [
      'object',
      'number',
      'string',
      'false',
      'null',
      'overwrite',
      'copy',
      'short',
      'long',
      'many-a',
      'many-b',
    ];
    await cache.delete(...keys, 'd3', 'kept', 'wrapped', 'rewrapped', 'nothing', 'failing', 'added');
    await cache.close();
  });

  it('adds a value only when the key is absent', async () => {
    expect(await cache.add('added', { first: true }, 60)).toBe(true);
    expect(await cache.add('added', { first: false }, 60)).toBe(false);
    expect(await cache.get('added')).toEqual({ first: true });
  });

  it('reads several keys at once, in order, with undefined for the missing ones', async () => {
    await cache.set('many-a', { a: 1 }, 60);
    await cache.set('many-b', 'b', 60);
    expect(await cache.getMany(['many-b', 'missing', 'many-a'])).toEqual(['b', undefined, { a: 1 }]);
    expect(await cache.getMany([])).toEqual([]);
  });

  it('returns undefined for a missing key', async () => {
    expect(await cache.get('missing')).toBeUndefined();
  });

  it('returns what was set, for objects and plain values', async () => {
    const value = { id: 7, name: 'Credential', tags: ['a', 'b'], nested: { ok: true, none: null } };
    await cache.set('object', value, 60);
    await cache.set('number', 42, 60);
    await cache.set('string', 'text', 60);
    await cache.set('false', false, 60);
    await cache.set('null', null, 60);
    expect(await cache.get('object')).toEqual(value);
    expect(await cache.get('number')).toBe(42);
    expect(await cache.get('string')).toBe('text');
    expect(await cache.get('false')).toBe(false);
    expect(await cache.get('null')).toBeNull();
  });

  it('overwrites an existing key', async () => {
    await cache.set('overwrite', { v: 1 }, 60);
    await cache.set('overwrite', { v: 2 }, 60);
    expect(await cache.get('overwrite')).toEqual({ v: 2 });
  });

  it('keeps what was stored: changing the stored object or a returned one does not change the cache', async () => {
    const value = { list: [1, 2], inner: { n: 1 } };
    await cache.set('copy', value, 60);
    value.list.push(3);
    value.inner.n = 100;

    const first = await cache.get<{ list: number[]; inner: { n: number } }>('copy');
    expect(first).toEqual({ list: [1, 2], inner: { n: 1 } });
    // Redis hands out a copy; the memory cache one frozen value, which refuses changes.
    try {
      first?.list.push(99);
      if (first) first.inner.n = 50;
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
    }

    expect(await cache.get('copy')).toEqual({ list: [1, 2], inner: { n: 1 } });
  });

  it('forgets a value once its ttl has passed', async () => {
    await cache.set('short', 'soon gone', 1);
    await cache.set('long', 'still here', 60);
    expect(await cache.get('short')).toBe('soon gone');
    await sleep(1_300);
    expect(await cache.get('short')).toBeUndefined();
    expect(await cache.get('long')).toBe('still here');
  });

  it('deletes several keys at once and leaves the others', async () => {
    await cache.set('d1', 1, 60);
    await cache.set('d2', 2, 60);
    await cache.set('d3', 3, 60);
    await cache.delete('d1', 'd2', 'never-set');
    expect(await cache.get('d1')).toBeUndefined();
    expect(await cache.get('d2')).toBeUndefined();
    expect(await cache.get('d3')).toBe(3);
  });

  it('accepts a delete of no keys', async () => {
    await cache.set('kept', 'yes', 60);
    await cache.delete();
    expect(await cache.get('kept')).toBe('yes');
  });

  it('wrap computes once, then serves the cached value', async () => {
    let calls = 0;
    const compute = async () => {
      calls += 1;
      return { computed: calls };
    };
    expect(await cache.wrap('wrapped', 60, compute)).toEqual({ computed: 1 });
    expect(await cache.wrap('wrapped', 60, compute)).toEqual({ computed: 1 });
    expect(await cache.get('wrapped')).toEqual({ computed: 1 });
    expect(calls).toBe(1);
  });

  it('wrap computes again after the key is deleted', async () => {
    let calls = 0;
    const compute = async () => ++calls;
    expect(await cache.wrap('rewrapped', 60, compute)).toBe(1);
    await cache.delete('rewrapped');
    expect(await cache.wrap('rewrapped', 60, compute)).toBe(2);
    expect(calls).toBe(2);
  });

  it('wrap does not cache undefined', async () => {
    let calls = 0;
    const compute = async () => {
      calls += 1;
      return undefined;
    };
    expect(await cache.wrap('nothing', 60, compute)).toBeUndefined();
    expect(await cache.wrap('nothing', 60, compute)).toBeUndefined();
    expect(calls).toBe(2);
    expect(await cache.get('nothing')).toBeUndefined();
  });

  it('wrap does not cache a failed computation', async () => {
    await expect(cache.wrap('failing', 60, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await cache.get('failing')).toBeUndefined();
    expect(await cache.wrap('failing', 60, async () => 'recovered')).toBe('recovered');
  });
});

describe.each(implementations)('$name cache close', ({ create }) => {
  it('closes without error', async () => {
    const cache = create();
    await cache.set('k', 'v', 60);
    expect(await cache.get('k')).toBe('v');
    await cache.delete('k');
    await expect(cache.close()).resolves.toBeUndefined();
  });
});

if (TEST_REDIS_URL) {
  describe('redis cache prefixes', () => {
    let a: Cache;
    let b: Cache;
    beforeAll(() => {
      a = createRedisCache(TEST_REDIS_URL, { prefix: uniquePrefix() });
      b = createRedisCache(TEST_REDIS_URL, { prefix: uniquePrefix() });
    });
    afterAll(async () => {
      await a.delete('shared', 'only-a');
      await b.delete('shared');
      await Promise.all([a.close(), b.close()]);
    });

    it("keeps caches with different prefixes out of each other's keys", async () => {
      await a.set('shared', 'from a', 60);
      await a.set('only-a', 1, 60);
      await b.set('shared', 'from b', 60);
      expect(await a.get('shared')).toBe('from a');
      expect(await b.get('shared')).toBe('from b');
      expect(await b.get('only-a')).toBeUndefined();
      await b.delete('only-a', 'shared');
      expect(await a.get('only-a')).toBe(1);
      expect(await a.get('shared')).toBe('from a');
    });
  });

  describe('redis cache shared by two clients with one prefix', () => {
    let first: Cache;
    let second: Cache;
    beforeAll(() => {
      const prefix = uniquePrefix();
      first = createRedisCache(TEST_REDIS_URL, { prefix });
      second = createRedisCache(TEST_REDIS_URL, { prefix });
    });
    afterAll(async () => {
      await first.delete('seen');
      await Promise.all([first.close(), second.close()]);
    });

    it('lets every instance see the same entries and deletions', async () => {
      await first.set('seen', { by: 'first' }, 60);
      expect(await second.get('seen')).toEqual({ by: 'first' });
      await second.delete('seen');
      expect(await first.get('seen')).toBeUndefined();
    });
  });
}
