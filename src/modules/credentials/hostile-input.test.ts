/**
 * Hostile and unusual requests to the credentials, grades, course certificate, program configuration,
 * learner status and replace_usernames endpoints: DRF status codes and error shapes, never a 500, and
 * nothing written on refusal. Bulk endpoints answer a bad item in its place.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';
import { queryRows } from '../../platform/db/database.ts';

describe('hostile requests', () => {
  let env: ApiEnv;
  let t: TestApp;
  let runKey: string;
  const auth: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    env = await startApiEnv({
      LEARNER_STATUS_WORKER: 'status_reader',
      USERNAME_REPLACEMENT_WORKER: 'replacer',
    });
    t = env.t;
    runKey = env.catalog.data.courses[0]!.course_runs[0]!.key;
    auth.lms = await env.as('lms_worker');
    auth.staff = await env.as('staff', { administrator: true });
    auth.reader = await env.as('status_reader');
    auth.replacer = await env.as('replacer');
  });
  afterAll(() => env?.close());

  const inject = (method: string, url: string, payload?: unknown, headers = auth.lms) =>
    t.app.inject({
      method: method as 'POST',
      url,
      headers,
      ...(payload !== undefined && { payload: payload as object }),
    });
  const post = (payload: unknown) => inject('POST', '/api/v2/credentials/', payload);
  const bulk = (items: unknown[]) => inject('POST', '/api/v2/credentials/bulk/', { items });
  const courseCredential = (username: string, extra: Record<string, unknown> = {}) => ({
    username,
    credential: { type: 'course-run', course_run_key: runKey, mode: 'verified' },
    ...extra,
  });
  const count = async (query: ReturnType<typeof sql>) =>
    (await queryRows<{ n: number }>(t.database.db, query))[0]?.n ?? 0;
  const usersNamed = (name: string) =>
    count(sql`select count(*)::int as n from users where lower(username) = lower(${name})`);
  const credentialsOf = (name: string) =>
    count(sql`select count(*)::int as n from user_credentials c join users u on u.id = c.user_id
              where lower(u.username) = lower(${name})`);
  /** DRF's validation shape: every value a list of strings or a nested object of them. */
  const expectDrfValidation = (body: unknown) => {
    expect(body).toBeTypeOf('object');
    expect(body).not.toHaveProperty('detail');
    expect(Object.keys(body as object).length).toBeGreaterThan(0);
  };

  describe('POST /api/v2/credentials/: values PostgreSQL cannot store', () => {
    it.each([
      ['a NUL in an attribute value', { name: 'a', value: 'x\u0000y' }, 'review-nul-value'],
      ['a NUL in an attribute name', { name: 'a\u0000', value: 'x' }, 'review-nul-name'],
    ])('refuses %s with a 400 and writes nothing (not a 500)', async (_name, attribute, username) => {
      const response = await post(courseCredential(username, { attributes: [attribute] }));
      expect(response.statusCode).toBe(400);
      expectDrfValidation(response.json());
      expect(await usersNamed(username)).toBe(0);
    });

    it('does not answer 500 to a lone surrogate in an attribute value', async () => {
      const response = await post(
        courseCredential('review-surrogate', { attributes: [{ name: 'a', value: 'x\ud800y' }] }),
      );
      expect(response.statusCode).not.toBe(500);
      expect([201, 400]).toContain(response.statusCode);
    });

    it('refuses a NUL in course_run_key with a 400 on credential (not a 500)', async () => {
      const response = await post({
        username: 'review-nul-run',
        credential: { course_run_key: 'course-v1:X+Y+\u0000', mode: 'verified' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ 'credential.course_run_key': ['Null characters are not allowed.'] });
    });

    it.each([
      ['a leap second', '2016-12-31T23:59:60Z'],
      ['year 0000', '0000-01-01T00:00:00Z'],
      ['a date that is year 10000 in UTC', '9999-12-31T23:00:00-05:00'],
    ])('refuses a date_override at %s with a 400 (not a 500)', async (_name, date) => {
      const response = await post(courseCredential('review-date', { date_override: { date } }));
      expect(response.statusCode).toBe(400);
      expect(Object.keys(response.json()).join(' ')).toContain('date_override');
    });

    it('refuses an lms_user_id beyond the 32-bit column with a 400 (not a 500)', async () => {
      const response = await post(courseCredential('review-huge-id', { lms_user_id: 3_000_000_000 }));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toHaveProperty('lms_user_id');
    });

    it('refuses a list where one value is expected, and unknown keys in date_override', async () => {
      const cases = [
        courseCredential(['review-list-name'] as unknown as string),
        courseCredential('review-list-status', { status: ['revoked'] }),
        courseCredential('review-odd-override', { date_override: { date: '2026-01-01T00:00:00Z', junk: 1 } }),
      ];
      for (const payload of cases) {
        const response = await post(payload);
        expect(response.statusCode).toBe(400);
        expectDrfValidation(response.json());
      }
      for (const name of ['review-list-name', 'review-list-status', 'review-odd-override'])
        expect(await usersNamed(name)).toBe(0);
      // As DRF reads them: a number may come as text.
      const numeric = await post(courseCredential('review-numeric-text', { lms_user_id: '4242' }));
      expect(numeric.statusCode).toBe(201);
    });

    // Duplicate keys: the last wins, as Python's json module does.
    it('takes the last of duplicate JSON keys', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v2/credentials/',
        headers: { ...auth.lms, 'content-type': 'application/json' },
        payload: `{"username":"review-dup-1","username":"review-dup-2","credential":{"course_run_key":"${runKey}","mode":"verified"}}`,
      });
      expect(response.statusCode).toBe(201);
      expect(response.json().username).toBe('review-dup-2');
      expect(await usersNamed('review-dup-1')).toBe(0);
    });

    // Prototype keys and deep nesting are refused in DRF shapes.
    it('refuses __proto__ keys and deeply nested JSON with a 400', async () => {
      const proto = await t.app.inject({
        method: 'POST',
        url: '/api/v2/credentials/',
        headers: { ...auth.lms, 'content-type': 'application/json' },
        payload: '{"username":"p","__proto__":{"x":1},"credential":{}}',
      });
      expect(proto.statusCode).toBe(400);
      expect(proto.json()).toHaveProperty('detail');
      const deep = await t.app.inject({
        method: 'POST',
        url: '/api/v2/credentials/',
        headers: { ...auth.lms, 'content-type': 'application/json' },
        payload: `{"username":"deep","credential":{},"attributes":${'['.repeat(20000)}${']'.repeat(20000)}}`,
      });
      expect(deep.statusCode).toBe(400);
      expectDrfValidation(deep.json());
    });
  });

  describe('POST /api/v2/credentials/bulk/', () => {
    it('answers an item the database refuses on its own, and a 500 never hides written items', async () => {
      const response = await bulk([
        courseCredential('review-bulk-ok-1'),
        courseCredential('review-bulk-bad', { attributes: [{ name: 'a', value: '\u0000' }] }),
        courseCredential('review-bulk-ok-2'),
      ]);
      const written = (await credentialsOf('review-bulk-ok-1')) + (await credentialsOf('review-bulk-ok-2'));
      if (response.statusCode !== 200) expect(written).toBe(0); // a refused request wrote nothing
      expect(response.statusCode).toBe(200);
      expect(response.json().results.map((r: { status: number }) => r.status)).toEqual([201, 400, 201]);
    });

    it('answers a leap-second date_override item with a 400 in place', async () => {
      const response = await bulk([
        courseCredential('review-bulk-leap-ok'),
        courseCredential('review-bulk-leap', { date_override: { date: '2016-12-31T23:59:60Z' } }),
      ]);
      expect(response.statusCode).toBe(200);
      expect(response.json().results.map((r: { status: number }) => r.status)).toEqual([201, 400]);
    });

    it('answers an item with an out-of-range lms_user_id with a 400 in place', async () => {
      const response = await bulk([
        courseCredential('review-bulk-id-ok'),
        courseCredential('review-bulk-id', { lms_user_id: 3_000_000_000 }),
      ]);
      expect(response.statusCode).toBe(200);
      expect(response.json().results.map((r: { status: number }) => r.status)).toEqual([201, 400]);
    });

    it('reads items as single POSTs are read: text numbers yes, lists for values no', async () => {
      const response = await bulk([
        courseCredential('review-bulk-numeric', { lms_user_id: '4243' }),
        courseCredential(['review-bulk-list-name'] as unknown as string),
        courseCredential('review-bulk-list-status', { status: ['revoked'] }),
      ]);
      expect(response.statusCode).toBe(200);
      const [numeric, ...lists] = response.json().results;
      expect(numeric).toMatchObject({ status: 201, credential: { username: 'review-bulk-numeric' } });
      expect(lists.map((r: { status: number }) => r.status)).toEqual([400, 400]);
      expect(await usersNamed('review-bulk-list-status')).toBe(0);
    });

    // Items of every non-object JSON type, and `items` not being a list.
    it('answers non-object items in place and refuses a non-list', async () => {
      const response = await bulk([null, 5, [], true]);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ succeeded: 0, failed: 4 });
      const notList = await inject('POST', '/api/v2/credentials/bulk/', { items: { a: 1 } });
      expect(notList.statusCode).toBe(400);
      expect(notList.json()).toEqual({ items: [expect.any(String)] });
    });
  });

  describe('GET /api/v2/credentials/', () => {
    it.each(['True', 'False', '1', '0'])('accepts only_visible=%s as django-filter does', async (value) => {
      const response = await inject(
        'GET',
        `/api/v2/credentials/?status=awarded&only_visible=${value}`,
        undefined,
        auth.staff,
      );
      expect(response.statusCode).toBe(200);
    });

    it.each([
      '/api/v2/credentials/?page=1e309',
      '/api/v2/credentials/?page=Infinity',
      '/api/v2/course_certificates/?page=1e309',
      '/api/v2/program_certificates/?page=1e309',
      '/api/v2/signatories/?page=Infinity',
    ])('does not answer 500 to %s', async (url) => {
      const response = await inject('GET', url, undefined, auth.staff);
      expect([400, 404]).toContain(response.statusCode);
    });

    // Wire difference: DRF's PageNumberPagination answers 404 {"detail": "Invalid page."} to a page
    // that is not a positive integer; Laurel answers 400 {"page": [...]}.
    it.each(['0', '-1', 'abc'])('answers page=%s with 404 "Invalid page." as DRF does', async (page) => {
      const response = await inject('GET', `/api/v2/credentials/?page=${page}`, undefined, auth.staff);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ detail: 'Invalid page.' });
    });

    it('does not answer 500 to a NUL in the username filter', async () => {
      const response = await inject('GET', '/api/v2/credentials/?username=a%00b', undefined, auth.staff);
      expect([200, 400]).toContain(response.statusCode);
    });
  });

  describe('PUT/PATCH/DELETE /api/v2/credentials/{uuid}/', () => {
    // Wire difference: DRF's partial update accepts an empty PATCH and answers 200 with the credential
    // unchanged; StatusBody (credentials.routes.ts) makes status required for PATCH too → 400.
    it('answers an empty PATCH with 200 and the unchanged credential, recording nothing', async () => {
      const { uuid } = (await post(courseCredential('review-patch'))).json();
      const response = await inject('PATCH', `/api/v2/credentials/${uuid}/`, {});
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ uuid, status: 'awarded' });
      const { credential } = await t.app.laurel.services.credentials.get(
        await t.app.laurel.services.sites.getByDomain('localhost'),
        uuid,
      );
      expect((await t.app.laurel.services.credentials.events(credential.id)).length).toBe(1);
    });
  });

  describe('POST/PATCH /api/v2/grades/', () => {
    const grade = (extra: Record<string, unknown>) => ({
      username: 'review-grader',
      course_run: runKey,
      percent_grade: 0.5,
      ...extra,
    });

    it.each([
      ['username', { username: 'g\u0000' }],
      ['course_run', { course_run: 'course-v1:X+Y+\u0000' }],
      ['letter_grade', { letter_grade: 'A\u0000' }],
    ])('refuses a NUL in %s with a 400 naming it (not a 500)', async (field, extra) => {
      const response = await inject('POST', '/api/v2/grades/', grade(extra));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toHaveProperty(field);
    });

    it('refuses a username the credentials API refuses, creating no user', async () => {
      const response = await inject('POST', '/api/v2/grades/', grade({ username: 'review has space' }));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toHaveProperty('username');
      expect(await usersNamed('review has space')).toBe(0);
    });

    it('refuses lms_last_updated_at at a leap second with a 400, on POST and PATCH', async () => {
      const created = await inject('POST', '/api/v2/grades/', grade({}));
      expect(created.statusCode).toBe(201);
      const posted = await inject(
        'POST',
        '/api/v2/grades/',
        grade({ lms_last_updated_at: '2016-12-31T23:59:60Z' }),
      );
      expect(posted.statusCode).toBe(400);
      expect(posted.json()).toHaveProperty('lms_last_updated_at');
      const patched = await inject('PATCH', `/api/v2/grades/${created.json().id}/`, {
        lms_last_updated_at: '2016-12-31T23:59:60Z',
      });
      expect(patched.statusCode).toBe(400);
      expect(patched.json()).toHaveProperty('lms_last_updated_at');
    });
  });

  describe('learner certificate status', () => {
    const single = (payload: unknown) =>
      inject('POST', '/api/credentials/v1/learner_cert_status/', payload, auth.reader);
    const many = (payload: unknown) =>
      inject('POST', '/api/credentials/v1/bulk_learner_cert_status/', payload, auth.reader);
    beforeAll(async () => {
      expect((await post(courseCredential('review-ls-known'))).statusCode).toBe(201);
    });

    it.each([
      ['a NUL in username', { username: 'a\u0000', course_runs: [] }],
      ['a NUL in a course run', { username: 'review-ls-known', course_runs: ['x\u0000'] }],
      ['an lms_user_id beyond 32 bits', { lms_user_id: 3_000_000_000, course_runs: [] }],
    ])('does not answer 500 to %s', async (_name, payload) => {
      const response = await single(payload);
      expect([200, 400]).toContain(response.statusCode);
    });

    it.each([
      ['a wrong type', { lms_user_id: 'abc' }],
      ['an unknown field', { username: 'x', colour: 1 }],
      ['a non-object', 5],
    ])('answers the valid queries and reports an item with %s in place', async (_name, bad) => {
      const response = await many([{ username: 'alice', course_runs: [runKey] }, bad]);
      expect(response.statusCode).toBe(200);
      const [good, refused] = response.json();
      expect(good).toMatchObject({ username: 'alice', status: [] });
      expect(refused).toEqual({ errors: expect.any(Object) });
    });

    it('answers the valid queries when one item holds a NUL', async () => {
      const response = await many([{ username: 'alice', course_runs: [runKey] }, { username: 'x\u0000' }]);
      expect(response.statusCode).toBe(200);
      expect(response.json()[0]).toMatchObject({ username: 'alice' });
    });
  });

  describe('course certificates and signatories', () => {
    it.each(['2016-12-31T23:59:60Z', '0000-01-01T00:00:00Z'])(
      'refuses certificate_available_date %s with a 400 (not a 500)',
      async (date) => {
        const response = await inject(
          'POST',
          '/api/v2/course_certificates/',
          { course_id: runKey, certificate_type: 'honor', certificate_available_date: date },
          auth.staff,
        );
        expect(response.statusCode).toBe(400);
        expect(response.json()).toHaveProperty('certificate_available_date');
      },
    );

    it('refuses a NUL in a signatory name with a 400 on name', async () => {
      const response = await inject(
        'POST',
        '/api/v2/signatories/',
        { name: 'a\u0000', title: 't' },
        auth.staff,
      );
      expect(response.statusCode).toBe(400);
      expect(response.json()).toHaveProperty('name');
    });
  });

  describe('POST /api/v2/replace_usernames/', () => {
    // A cycle between two existing users renames neither (each new name is taken).
    it('fails both pairs of a rename cycle between existing users, changing nothing', async () => {
      await post(courseCredential('review-cycle-a'));
      await post(courseCredential('review-cycle-b'));
      const response = await inject(
        'POST',
        '/api/v2/replace_usernames/',
        {
          username_mappings: [{ 'review-cycle-a': 'review-cycle-b' }, { 'review-cycle-b': 'review-cycle-a' }],
        },
        auth.replacer,
      );
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        successful_replacements: [],
        failed_replacements: [{ 'review-cycle-a': 'review-cycle-b' }, { 'review-cycle-b': 'review-cycle-a' }],
      });
      expect(await credentialsOf('review-cycle-a')).toBe(1);
      expect(await credentialsOf('review-cycle-b')).toBe(1);
    });

    // Malformed mappings are refused in DRF shape; a NUL fails only its pair.
    it('refuses malformed mappings and fails a NUL pair on its own', async () => {
      for (const username_mappings of [[{}], [{ a: 'b', c: 'd' }], { a: 'b' }]) {
        const response = await inject(
          'POST',
          '/api/v2/replace_usernames/',
          { username_mappings },
          auth.replacer,
        );
        expect(response.statusCode).toBe(400);
        expectDrfValidation(response.json());
      }
      const nul = await inject(
        'POST',
        '/api/v2/replace_usernames/',
        { username_mappings: [{ 'x\u0000': 'y' }] },
        auth.replacer,
      );
      expect(nul.statusCode).toBe(200);
      expect(nul.json().failed_replacements).toEqual([{ 'x\u0000': 'y' }]);
    });
  });
});
