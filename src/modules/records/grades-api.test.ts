import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';

describe('grades API (/api/v2/grades/)', () => {
  let env: ApiEnv;
  let t: TestApp;
  let runKey: string;
  const auth: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    env = await startApiEnv();
    t = env.t;
    await t.app.laurel.services.sites.create({ domain: 'other.example.org', name: 'Other' }, CLI_ACTOR);
    runKey = env.catalog.data.courses[0]!.course_runs[0]!.key;
    for (const who of ['lms_worker', 'alice']) auth[who] = await env.as(who);
  });
  afterAll(() => env?.close());

  const post = (payload: object, who = 'lms_worker') =>
    t.app.inject({ method: 'POST', url: '/api/v2/grades/', headers: auth[who], payload });

  it('records a grade in the Open edX shape, and updates it on the next POST', async () => {
    const first = await post({
      username: 'alice',
      course_run: runKey,
      letter_grade: 'A',
      percent_grade: 0.95,
      verified: true,
      lms_last_updated_at: '2026-06-01T00:00:00Z',
    });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({
      id: expect.any(Number),
      username: 'alice',
      course_run: runKey,
      letter_grade: 'A',
      percent_grade: '0.9500',
      verified: true,
      lms_last_updated_at: '2026-06-01T00:00:00Z',
      created: expect.stringMatching(/Z$/),
      modified: expect.stringMatching(/Z$/),
    });
    const second = await post({
      username: 'alice',
      course_run: runKey,
      letter_grade: null,
      percent_grade: 0.5,
    });
    expect(second.statusCode).toBe(201);
    expect(second.json()).toMatchObject({ id: first.json().id, letter_grade: '', percent_grade: '0.5000' });
  });

  it('changes a grade by id with PATCH (partial) and PUT (whole)', async () => {
    const { id } = (await post({ username: 'bob', course_run: runKey, percent_grade: 0.7 })).json();
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v2/grades/${id}/`,
      headers: auth.lms_worker,
      payload: { letter_grade: 'B' },
    });
    expect(patched.json()).toMatchObject({ letter_grade: 'B', percent_grade: '0.7000' });
    const partialPut = await t.app.inject({
      method: 'PUT',
      url: `/api/v2/grades/${id}/`,
      headers: auth.lms_worker,
      payload: { letter_grade: 'C' },
    });
    expect(partialPut.statusCode).toBe(400);
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/v2/grades/${id}/`,
      headers: auth.lms_worker,
      payload: { letter_grade: 'C', percent_grade: 0.6, verified: false, lms_last_updated_at: null },
    });
    expect(put.json()).toMatchObject({ letter_grade: 'C', percent_grade: '0.6000', verified: false });
  });

  it.each([
    [
      'a run not in the catalog',
      { username: 'alice', course_run: 'course-v1:No+Such+Run', percent_grade: 0.5 },
      'course_run',
    ],
    ['a percentage over 1', { username: 'alice', course_run: 'k', percent_grade: 1.5 }, 'percent_grade'],
    ['no percentage', { username: 'alice', course_run: 'k' }, 'percent_grade'],
    ['a text percentage', { username: 'alice', course_run: 'k', percent_grade: 'ninety' }, 'percent_grade'],
    ['an unknown field', { username: 'alice', course_run: 'k', percent_grade: 0.5, colour: 'red' }, 'colour'],
  ])('refuses %s with a 400 naming the field', async (_name, payload, field) => {
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    expect(Object.keys(response.json())).toContain(field);
  });

  it('refuses learners, and grades of other sites or unknown ids', async () => {
    expect(
      (await post({ username: 'alice', course_run: runKey, percent_grade: 1 }, 'alice')).statusCode,
    ).toBe(403);
    const { id } = (await post({ username: 'carol', course_run: runKey, percent_grade: 0.9 })).json();
    const elsewhere = await t.app.inject({
      method: 'PATCH',
      url: `/api/v2/grades/${id}/`,
      headers: { ...auth.lms_worker, host: 'other.example.org' },
      payload: { verified: false },
    });
    expect(elsewhere.statusCode).toBe(404);
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: '/api/v2/grades/999999/',
          headers: auth.lms_worker,
          payload: {},
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: '/api/v2/grades/abc/',
          headers: auth.lms_worker,
          payload: {},
        })
      ).statusCode,
    ).toBe(400);
  });
});
