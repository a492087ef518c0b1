import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';

describe('course certificate configurations (/api/v2/course_certificates/)', () => {
  let env: ApiEnv;
  let t: TestApp;
  let runKey: string;
  const auth: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    env = await startApiEnv();
    t = env.t;
    runKey = env.catalog.data.courses[2]!.course_runs[0]!.key;
    for (const who of ['lms_worker', 'alice']) auth[who] = await env.as(who);
    auth.staff = await env.as('staff', { administrator: true });
  });
  afterAll(() => env?.close());

  const post = (payload: object, who = 'lms_worker') =>
    t.app.inject({ method: 'POST', url: '/api/v2/course_certificates/', headers: auth[who], payload });
  const url = (courseId: string, query = '') =>
    `/api/v2/course_certificates/${encodeURIComponent(courseId)}/${query}`;

  it('creates and then updates the configuration of a run and mode, always 201', async () => {
    const created = await post({
      course_id: runKey,
      certificate_type: 'verified',
      certificate_available_date: '2026-12-01T00:00:00Z',
      is_active: true,
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      id: expect.any(Number),
      site: expect.any(Number),
      course_id: runKey,
      course_run: runKey,
      certificate_type: 'verified',
      certificate_available_date: '2026-12-01T00:00:00Z',
      is_active: true,
    });
    const updated = await post({
      course_id: runKey,
      certificate_type: 'verified',
      certificate_available_date: null,
    });
    expect(updated.statusCode).toBe(201);
    expect(updated.json()).toMatchObject({
      id: created.json().id,
      certificate_available_date: null,
      is_active: true,
    });
  });

  it('accepts a run the catalog does not know yet, unlinked', async () => {
    const response = await post({ course_id: 'course-v1:Future+X+2030', certificate_type: 'honor' });
    expect(response.json()).toMatchObject({ course_id: 'course-v1:Future+X+2030', course_run: null });
  });

  it('reads and changes one by course id, asking for the mode when there are several', async () => {
    expect((await t.app.inject({ url: url(runKey), headers: auth.staff })).json()).toMatchObject({
      certificate_type: 'verified',
    });
    await post({ course_id: runKey, certificate_type: 'professional' });
    const ambiguous = await t.app.inject({ url: url(runKey), headers: auth.staff });
    expect(ambiguous.statusCode).toBe(400);
    expect(ambiguous.json().certificate_type[0]).toContain('verified, professional');
    const patched = await t.app.inject({
      method: 'PATCH',
      url: url(runKey, '?certificate_type=professional'),
      headers: auth.lms_worker,
      payload: { is_active: false },
    });
    expect(patched.json()).toMatchObject({ certificate_type: 'professional', is_active: false });
    expect((await t.app.inject({ url: url('course-v1:Nope+N+1'), headers: auth.staff })).statusCode).toBe(
      404,
    );
  });

  it('refuses to award a certificate whose configuration is inactive', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/',
      headers: auth.lms_worker,
      payload: { username: 'alice', credential: { course_run_key: runKey, mode: 'professional' } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().credential.course_run_key[0]).toContain('is not active');
  });

  it.each([
    [{ certificate_type: 'verified' }, 'course_id'],
    [{ course_id: 'x', certificate_type: 'gold' }, 'certificate_type'],
    [
      { course_id: 'x', certificate_type: 'verified', certificate_available_date: 'soon' },
      'certificate_available_date',
    ],
    [{ course_id: 'x', certificate_type: 'verified', site: 2 }, 'site'],
  ])('refuses %j with a 400 naming %s', async (payload, field) => {
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    expect(Object.keys(response.json())).toContain(field);
  });

  it('refuses learners', async () => {
    expect((await post({ course_id: runKey, certificate_type: 'verified' }, 'alice')).statusCode).toBe(403);
    expect((await t.app.inject({ url: url(runKey), headers: auth.alice })).statusCode).toBe(403);
  });
});
