import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';
import { TEST_REDIS_URL } from '../../../test/helpers/engine.ts';

describe('Idempotency-Key on POST', () => {
  let env: ApiEnv;
  let t: TestApp;
  let headers: Record<string, string>;
  let body: { username: string; status: string; credential: { course_run_key: string; mode: string } };

  beforeAll(async () => {
    env = await startApiEnv();
    t = env.t;
    headers = await env.as('lms_worker');
    body = {
      username: 'alice',
      status: 'awarded',
      credential: { course_run_key: env.catalog.data.courses[0]!.course_runs[0]!.key, mode: 'verified' },
    };
  });
  afterAll(() => env?.close());

  const post = (payload: object, key?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/',
      headers: { ...headers, ...(key && { 'idempotency-key': key }) },
      payload,
    });

  it('replays the first answer for a retried request instead of acting again', async () => {
    const first = await post(body, 'award-alice-1');
    expect(first.statusCode).toBe(201);
    // Meanwhile the credential is revoked by another request.
    expect((await post({ ...body, status: 'revoked' })).json().status).toBe('revoked');

    const retried = await post(body, 'award-alice-1');
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.json()).toEqual(first.json());
    const now = await t.app.inject({ url: `/api/v2/credentials/${first.json().uuid}/`, headers });
    expect(now.json().status).toBe('revoked');
  });

  // Without Redis, where answers are kept in process: a cache anyone can fill must not push them out.
  it.runIf(!TEST_REDIS_URL)(
    'keeps answers however many anonymous requests come between',
    async () => {
      expect((await post(body, 'kept-through-noise')).statusCode).toBe(201);
      // Each unknown host name is looked up and remembered as unknown, in the shared cache.
      for (let from = 0; from < 10_500; from += 100)
        await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            t.app.inject({ url: '/credentials/', headers: { host: `h${from + i}.example` } }),
          ),
        );
      const again = await post(body, 'kept-through-noise');
      expect(again.headers['idempotent-replayed']).toBe('true');
    },
    60_000,
  );

  it('refuses the same key with a different request', async () => {
    const response = await post({ ...body, status: 'revoked' }, 'award-alice-1');
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({ detail: 'This Idempotency-Key was used with a different request.' });
  });

  it('refuses a malformed key', async () => {
    const response = await post(body, 'x'.repeat(300));
    expect(response.statusCode).toBe(400);
    expect(Object.keys(response.json())).toEqual(['Idempotency-Key']);
  });

  it('acts normally on a new key', async () => {
    const response = await post(body, 'award-alice-2');
    expect(response.headers['idempotent-replayed']).toBeUndefined();
    expect(response.json().status).toBe('awarded');
  });

  it("holds on every POST of the API, an admin's included, and only after the permission check", async () => {
    const admin = await env.as('idempotent-admin', { administrator: true });
    const subscribe = (who: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v2/webhooks/',
        headers: { ...who, 'idempotency-key': 'subscribe-once' },
        payload: { url: 'https://93.184.215.14/hook', events: ['credential.awarded'] },
      });
    const first = await subscribe(admin);
    expect(first.statusCode).toBe(201);
    const again = await subscribe(admin);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const listed = await t.app.inject({ url: '/api/v2/webhooks/', headers: admin });
    expect(listed.json().count).toBe(1);
    // The permission is checked first: the same learner without the administrator claim (so with
    // the same key in the cache) gets a 403, not the answer kept.
    expect((await subscribe(await env.as('idempotent-admin'))).statusCode).toBe(403);
  });

  it('answers a POST that only reads afresh every time', async () => {
    const status = async () =>
      t.app.inject({
        method: 'POST',
        url: '/api/credentials/v1/learner_cert_status/',
        headers: {
          ...(await env.as('idempotent-admin', { administrator: true })),
          'idempotency-key': 'status',
        },
        payload: { username: 'alice', course_runs: [body.credential.course_run_key] },
      });
    expect((await status()).statusCode).toBe(200);
    const again = await status();
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
  });
});
