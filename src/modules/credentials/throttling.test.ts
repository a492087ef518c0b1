import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';

describe('API throttles, as Open edX sets them', () => {
  let env: ApiEnv;
  let t: TestApp;
  const auth: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    env = await startApiEnv();
    t = env.t;
    for (const who of ['alice', 'bob', 'lms_worker']) auth[who] = await env.as(who);
  });
  afterAll(() => env?.close());

  const list = (who: string) =>
    t.app.inject({ url: `/api/v2/credentials/?username=${who}`, headers: auth[who] });

  it('allows a learner 15 credential requests a minute, then answers 429 with Retry-After', async () => {
    const statuses = [];
    for (let i = 0; i < 15; i += 1) statuses.push((await list('alice')).statusCode);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const limited = await list('alice');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().detail).toMatch(/^Request was throttled\. Expected available in \d+ seconds\.$/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('counts each learner separately', async () => {
    expect((await list('bob')).statusCode).toBe(200);
  });

  it('does not throttle staff and services', async () => {
    for (let i = 0; i < 30; i += 1) {
      const response = await t.app.inject({ url: '/api/v2/credentials/', headers: auth.lms_worker });
      expect(response.statusCode).toBe(200);
    }
  });
});
