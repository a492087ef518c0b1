import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';

describe('learner certificate status (/api/credentials/v1/…learner_cert_status/)', () => {
  let env: ApiEnv;
  let t: TestApp;
  let runs: { uuid: string; key: string; course: string }[];
  const auth: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    env = await startApiEnv({ LEARNER_STATUS_WORKER: 'status_reader' });
    t = env.t;
    runs = env.catalog.data.courses
      .slice(0, 3)
      .map((course) => ({ ...course.course_runs[0]!, course: course.uuid }));
    for (const [who, userId] of [
      ['lms_worker', 1],
      ['status_reader', 2],
      ['alice', 77],
    ] as const) {
      auth[who] = await env.as(who, { user_id: userId });
    }
    await t.app.inject({ url: '/api/v2/users/me/', headers: auth.alice }); // alice's LMS id comes from her token
    const post = (url: string, payload: object) =>
      t.app.inject({ method: 'POST', url, headers: auth.lms_worker, payload });
    const award = (run: { key: string }, status = 'awarded') =>
      post('/api/v2/credentials/', {
        username: 'alice',
        status,
        credential: { course_run_key: run.key, mode: 'verified' },
      });
    await post('/api/v2/course_certificates/', {
      course_id: runs[1]!.key,
      certificate_type: 'verified',
      certificate_available_date: '2099-01-01T00:00:00Z',
    });
    await award(runs[0]!);
    await award(runs[1]!); // not visible before 2099
    await award(runs[2]!, 'revoked');
    await post('/api/v2/grades/', {
      username: 'alice',
      course_run: runs[0]!.key,
      letter_grade: 'A',
      percent_grade: 0.93,
    });
  });
  afterAll(() => env?.close());

  const status = (payload: unknown, who = 'status_reader') =>
    t.app.inject({
      method: 'POST',
      url: '/api/credentials/v1/learner_cert_status/',
      headers: auth[who],
      payload: payload as object,
    });
  const earnedA = () => ({
    course_uuid: runs[0]!.course,
    course_run: { uuid: runs[0]!.uuid, key: runs[0]!.key },
    status: 'awarded',
    type: 'verified',
    certificate_available_date: null,
    grade: { letter_grade: 'A', percent_grade: '0.9300', verified: true },
  });

  it('lists only awarded, visible course certificates, with grades', async () => {
    const response = await status({ username: 'alice', course_runs: runs.map((run) => run.key) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ lms_user_id: 77, username: 'alice', status: [earnedA()] });
  });

  it('finds the learner by LMS id and runs by UUID or course', async () => {
    expect((await status({ lms_user_id: 77, course_runs: [runs[0]!.uuid] })).json().status).toEqual([
      earnedA(),
    ]);
    expect((await status({ username: 'ALICE', courses: [runs[0]!.course] })).json().status).toEqual([
      earnedA(),
    ]);
  });

  it('answers an unknown learner with an empty status', async () => {
    expect((await status({ username: 'nobody', course_runs: [runs[0]!.key] })).json()).toEqual({
      lms_user_id: null,
      username: 'nobody',
      status: [],
    });
  });

  it.each([
    [{ course_runs: ['x'] }],
    [{ username: 'alice', lms_user_id: 77 }],
    [{ username: 'alice', courses: ['not-a-uuid'] }],
    [{ username: 'alice', colour: 'red' }],
  ])('refuses %j with a 400', async (payload) => {
    expect((await status(payload)).statusCode).toBe(400);
  });

  it('answers each query of a bulk request, reporting invalid ones in place', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/credentials/v1/bulk_learner_cert_status/',
      headers: auth.status_reader,
      payload: [
        { username: 'alice', course_runs: [runs[0]!.key] },
        { username: 'alice', lms_user_id: 77 },
        // Read as a single request's body is: a number may come as text, a list is never one value.
        { lms_user_id: '77', course_runs: [runs[0]!.key] },
        { username: ['alice'] },
      ],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([
      { lms_user_id: 77, username: 'alice', status: [earnedA()] },
      { errors: { non_field_errors: ['Give exactly one of username and lms_user_id.'] } },
      { lms_user_id: 77, username: 'alice', status: [earnedA()] },
      { errors: { username: [expect.any(String)] } },
    ]);
  });

  it('is for the status worker and staff only', async () => {
    expect((await status({ username: 'alice', course_runs: [runs[0]!.key] }, 'alice')).statusCode).toBe(403);
  });
});
