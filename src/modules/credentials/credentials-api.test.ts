import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';
import { queryRows } from '../../platform/db/database.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';

const DRF_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe('credentials API (/api/v2/credentials/)', () => {
  let env: ApiEnv;
  let t: TestApp;
  let runKey: string;
  let programUuid: string;
  const auth: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    env = await startApiEnv();
    t = env.t;
    await t.app.laurel.services.sites.create({ domain: 'other.example.org', name: 'Other' }, CLI_ACTOR);
    runKey = env.catalog.data.courses[0]!.course_runs[0]!.key;
    programUuid = env.catalog.data.programs[0]!.uuid;
    await t.database.db.execute(sql`
      insert into credential_configs (site_id, uuid, kind, program_id)
      select ${env.site.id}, gen_random_uuid(), 'program', id from programs where uuid = ${programUuid}`);
    for (const who of ['lms_worker', 'alice', 'bob']) auth[who] = await env.as(who);
    auth.staff = await env.as('staff', { administrator: true });
  });
  afterAll(() => env?.close());

  const post = (payload: unknown, who = 'lms_worker') =>
    t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/',
      headers: auth[who],
      payload: payload as object,
    });
  const courseCredential = (username: string, extra: Record<string, unknown> = {}) => ({
    username,
    credential: { type: 'course-run', course_run_key: runKey, mode: 'verified' },
    ...extra,
  });
  const site = () => t.app.laurel.services.sites.getByDomain('localhost');
  const eventsOf = async (uuid: string) =>
    t.app.laurel.services.credentials.events(
      (await t.app.laurel.services.credentials.get(await site(), uuid)).credential.id,
    );
  const countCredentials = async () =>
    (
      (await t.database.db.execute(sql`select count(*)::int as n from user_credentials`)) as unknown as {
        rows: { n: number }[];
      }
    ).rows[0]?.n;

  describe('POST: update or create', () => {
    it('awards a course-run credential, creating the configuration, in the Open edX shape', async () => {
      const response = await post(
        courseCredential('alice', { lms_user_id: 42, attributes: [{ name: 'reason', value: 'passed' }] }),
      );
      expect(response.statusCode).toBe(201);
      const body = response.json();
      expect(body).toEqual({
        username: 'alice',
        credential: { type: 'course-run', course_run_key: runKey, mode: 'verified' },
        status: 'awarded',
        uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        attributes: [{ name: 'reason', value: 'passed' }],
        date_override: null,
        created: expect.stringMatching(DRF_DATE),
        modified: expect.stringMatching(DRF_DATE),
        certificate_url: `http://localhost/credentials/${body.uuid.replace(/-/g, '')}/`,
      });
      expect((await eventsOf(body.uuid)).map((e) => e.type)).toEqual(['awarded']);
    });

    it('answers 201 with the same credential when nothing changes, and records nothing', async () => {
      const first = (await post(courseCredential('alice'))).json();
      const again = await post(courseCredential('alice'));
      expect(again.statusCode).toBe(201);
      expect(again.json().uuid).toBe(first.uuid);
      expect((await eventsOf(first.uuid)).map((e) => e.type)).toEqual(['awarded']);
    });

    it('revokes and re-awards through POST, keeping one row and its history', async () => {
      const revoked = (await post(courseCredential('alice', { status: 'revoked' }))).json();
      expect(revoked.status).toBe('revoked');
      const back = (await post(courseCredential('alice', { status: 'awarded' }))).json();
      expect(back).toMatchObject({ uuid: revoked.uuid, status: 'awarded' });
      expect((await eventsOf(back.uuid)).map((e) => [e.type, e.fromStatus, e.toStatus, e.source])).toEqual([
        ['awarded', null, 'awarded', 'api'],
        ['revoked', 'awarded', 'revoked', 'api'],
        ['re-awarded', 'revoked', 'awarded', 'api'],
      ]);
    });

    it('upserts attributes by name, keeps those not mentioned, and refuses duplicates', async () => {
      const body = (
        await post(courseCredential('alice', { attributes: [{ name: 'grade', value: 'A' }] }))
      ).json();
      expect(body.attributes).toEqual([
        { name: 'reason', value: 'passed' },
        { name: 'grade', value: 'A' },
      ]);
      const duplicate = await post(
        courseCredential('alice', {
          attributes: [
            { name: 'x', value: '1' },
            { name: 'x', value: '2' },
          ],
        }),
      );
      expect(duplicate.statusCode).toBe(400);
      expect(duplicate.json()).toEqual({ attributes: ['Attribute names cannot be duplicated.'] });
    });

    it('sets a date override, and removes it when a POST leaves it out', async () => {
      const withDate = (
        await post(courseCredential('alice', { date_override: { date: '2026-06-01T00:00:00Z' } }))
      ).json();
      expect(withDate.date_override).toEqual({ date: '2026-06-01T00:00:00Z' });
      const without = (await post(courseCredential('alice'))).json();
      expect(without.date_override).toBeNull();
    });

    it('awards a program credential of an active program configuration', async () => {
      const response = await post({
        username: 'bob',
        credential: { type: 'program', program_uuid: programUuid },
      });
      expect(response.statusCode).toBe(201);
      expect(response.json().credential).toEqual({
        type: 'program',
        credential_id: expect.any(Number),
        program_uuid: programUuid,
      });
    });

    it.each([
      [
        'an unknown program',
        { username: 'bob', credential: { program_uuid: '6a2b58c1-0000-4000-8000-000000000000' } },
        'credential',
      ],
      [
        'a program without a configuration',
        { username: 'bob', credential: { program_uuid: 'x' } },
        'credential',
      ],
      [
        'a run not in the catalog',
        { username: 'bob', credential: { course_run_key: 'course-v1:No+Such+Run', mode: 'verified' } },
        'credential',
      ],
      [
        'an unknown mode',
        { username: 'bob', credential: { course_run_key: 'k', mode: 'gold' } },
        'credential',
      ],
      ['no identifier', { username: 'bob', credential: {} }, 'credential'],
      ['no username', { credential: { course_run_key: 'k', mode: 'verified' } }, 'username'],
      ['a bad status', { username: 'bob', status: 'pending', credential: {} }, 'status'],
      ['an unknown field', { username: 'bob', credential: {}, colour: 'red' }, 'colour'],
      [
        'a bad date override',
        { username: 'bob', credential: {}, date_override: { date: 'yesterday' } },
        'date_override.date',
      ],
    ])('refuses %s with a 400 naming the field, writing nothing', async (_name, payload, field) => {
      const before = await countCredentials();
      const response = await post(payload);
      expect(response.statusCode).toBe(400);
      expect(Object.keys(response.json())).toContain(field);
      expect(await countCredentials()).toBe(before);
    });

    it('refuses callers who may not issue', async () => {
      expect((await post(courseCredential('alice'), 'alice')).statusCode).toBe(403);
      const anonymous = await t.app.inject({
        method: 'POST',
        url: '/api/v2/credentials/',
        payload: courseCredential('alice'),
      });
      expect(anonymous.statusCode).toBe(401);
    });
  });

  describe('reading', () => {
    it("lets learners list their own credentials and no one else's", async () => {
      const own = await t.app.inject({ url: '/api/v2/credentials/?username=ALICE', headers: auth.alice });
      expect(own.statusCode).toBe(200);
      expect(own.json()).toMatchObject({ count: 1, next: null, previous: null });
      expect(own.json().results[0]).toMatchObject({ username: 'alice' });
      expect(
        (await t.app.inject({ url: '/api/v2/credentials/?username=bob', headers: auth.alice })).statusCode,
      ).toBe(403);
      expect((await t.app.inject({ url: '/api/v2/credentials/', headers: auth.alice })).statusCode).toBe(403);
    });

    it('filters by status, type and program for staff', async () => {
      const list = async (query: string) =>
        (await t.app.inject({ url: `/api/v2/credentials/?${query}`, headers: auth.staff })).json();
      expect((await list('')).count).toBe(2);
      expect((await list('type=program')).results.map((r: { username: string }) => r.username)).toEqual([
        'bob',
      ]);
      expect((await list('status=revoked')).count).toBe(0);
      expect(
        (await list(`program_uuid=${programUuid}`)).results.map((r: { username: string }) => r.username),
      ).toContain('bob');
      expect(
        (await t.app.inject({ url: '/api/v2/credentials/?status=lost', headers: auth.staff })).statusCode,
      ).toBe(400);
    });

    it('shows one credential to its owner and staff, and 404 for unknown or other sites', async () => {
      const [alices] = (
        await t.app.inject({ url: '/api/v2/credentials/?username=alice', headers: auth.alice })
      ).json().results;
      expect(
        (await t.app.inject({ url: `/api/v2/credentials/${alices.uuid}/`, headers: auth.alice })).statusCode,
      ).toBe(200);
      expect(
        (await t.app.inject({ url: `/api/v2/credentials/${alices.uuid}/`, headers: auth.bob })).statusCode,
      ).toBe(403);
      expect(
        (await t.app.inject({ url: `/api/v2/credentials/${alices.uuid}/`, headers: auth.staff })).statusCode,
      ).toBe(200);
      const elsewhere = await t.app.inject({
        url: `/api/v2/credentials/${alices.uuid}/`,
        headers: { ...auth.staff, host: 'other.example.org' },
      });
      expect(elsewhere.statusCode).toBe(404);
      expect(
        (await t.app.inject({ url: '/api/v2/credentials/not-a-uuid/', headers: auth.staff })).statusCode,
      ).toBe(404);
    });
  });

  describe('bulk issuance', () => {
    it('issues each item on its own: valid ones are written, invalid ones explained', async () => {
      const before = await countCredentials();
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v2/credentials/bulk/',
        headers: auth.lms_worker,
        payload: {
          items: [
            courseCredential('erin'),
            { username: 'frank', credential: { course_run_key: 'course-v1:No+Such+Run', mode: 'verified' } },
            { username: 'gina' },
            'not an object',
            courseCredential('hugo', { status: 'revoked' }),
            courseCredential('iris', { date_override: { date: 'next tuesday' } }),
          ],
        },
      });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({ succeeded: 2, failed: 4 });
      expect(body.results.map((r: { index: number; status: number }) => [r.index, r.status])).toEqual([
        [0, 201],
        [1, 400],
        [2, 400],
        [3, 400],
        [4, 201],
        [5, 400],
      ]);
      expect(body.results[0].credential).toMatchObject({ username: 'erin', status: 'awarded' });
      expect(body.results[1].errors).toEqual({
        credential: { course_run_key: [expect.stringContaining('not in this site')] },
      });
      expect(body.results[2].errors).toEqual({ credential: ['This field is required.'] });
      expect(body.results[4].credential).toMatchObject({ username: 'hugo', status: 'revoked' });
      expect(body.results[5].errors).toMatchObject({
        'date_override.date': [expect.stringContaining('date-time')],
      });
      expect(await countCredentials()).toBe((before ?? 0) + 2);
    });

    it('applies items naming the same credential in order, as separate POSTs would', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v2/credentials/bulk/',
        headers: auth.lms_worker,
        payload: {
          items: [
            courseCredential('Ivy.Bulk', { attributes: [{ name: 'grade', value: '0.7' }] }),
            courseCredential('ivy.bulk', { status: 'revoked' }),
            courseCredential('IVY.BULK', { attributes: [{ name: 'grade', value: '0.9' }] }),
          ],
        },
      });
      expect(response.statusCode).toBe(200);
      const { results } = response.json();
      // One learner whatever the case, one credential, each item answered with the state it left.
      expect(new Set(results.map((r: { credential: { uuid: string } }) => r.credential.uuid)).size).toBe(1);
      // A POST without a status means "awarded", so the third item re-awards.
      expect(results.map((r: { credential: { status: string } }) => r.credential.status)).toEqual([
        'awarded',
        'revoked',
        'awarded',
      ]);
      expect(results[2].credential).toMatchObject({
        username: 'Ivy.Bulk',
        attributes: [{ name: 'grade', value: '0.9' }],
      });
      const events = await eventsOf(results[0].credential.uuid);
      expect(events.map((e) => [e.type, e.fromStatus, e.toStatus, e.source])).toEqual([
        ['awarded', null, 'awarded', 'bulk'],
        ['revoked', 'awarded', 'revoked', 'bulk'],
        ['re-awarded', 'revoked', 'awarded', 'bulk'],
      ]);
      expect(events[2]?.details).toEqual({ attributes: ['grade'] });
      const learners = (await t.database.db.execute(
        sql`select count(*)::int as n from users where lower(username) = 'ivy.bulk'`,
      )) as unknown as { rows: { n: number }[] };
      expect(learners.rows[0]?.n).toBe(1);
    });

    it('refuses more than 1,000 items, or none', async () => {
      const many = Array.from({ length: 1001 }, () => courseCredential('x'));
      for (const items of [many, []]) {
        const response = await t.app.inject({
          method: 'POST',
          url: '/api/v2/credentials/bulk/',
          headers: auth.lms_worker,
          payload: { items },
        });
        expect(response.statusCode).toBe(400);
      }
    });
  });

  describe('changing status', () => {
    it('revokes with PATCH and DELETE (200 with the credential), as the one write path records', async () => {
      const { uuid } = (await post(courseCredential('carol'))).json();
      const patched = await t.app.inject({
        method: 'PATCH',
        url: `/api/v2/credentials/${uuid}/`,
        headers: auth.lms_worker,
        payload: { status: 'revoked' },
      });
      expect(patched.statusCode).toBe(200);
      expect(patched.json().status).toBe('revoked');
      const put = await t.app.inject({
        method: 'PUT',
        url: `/api/v2/credentials/${uuid}/`,
        headers: auth.lms_worker,
        payload: { status: 'awarded' },
      });
      expect(put.json().status).toBe('awarded');
      const deleted = await t.app.inject({
        method: 'DELETE',
        url: `/api/v2/credentials/${uuid}/`,
        headers: auth.lms_worker,
      });
      expect(deleted.statusCode).toBe(200);
      expect(deleted.json()).toMatchObject({ uuid, status: 'revoked' });
      expect((await eventsOf(uuid)).map((e) => e.type)).toEqual([
        'awarded',
        'revoked',
        're-awarded',
        'revoked',
      ]);
      const again = await t.app.inject({
        method: 'DELETE',
        url: `/api/v2/credentials/${uuid}/`,
        headers: auth.lms_worker,
      });
      expect(again.statusCode).toBe(200);
      expect((await eventsOf(uuid)).length).toBe(4);
    });

    it('refuses learners, bad bodies and unknown credentials', async () => {
      const { uuid } = (await post(courseCredential('dave'))).json();
      const learner = await t.app.inject({
        method: 'PATCH',
        url: `/api/v2/credentials/${uuid}/`,
        headers: auth.dave ?? auth.alice,
        payload: { status: 'revoked' },
      });
      expect(learner.statusCode).toBe(403);
      const bad = await t.app.inject({
        method: 'PATCH',
        url: `/api/v2/credentials/${uuid}/`,
        headers: auth.lms_worker,
        payload: { status: 'gone', username: 'x' },
      });
      expect(bad.statusCode).toBe(400);
      const unknown = await t.app.inject({
        method: 'DELETE',
        url: '/api/v2/credentials/6a2b58c1-0000-4000-8000-000000000000/',
        headers: auth.lms_worker,
      });
      expect(unknown.statusCode).toBe(404);
    });
  });

  // Last: the credentials these write would change the counts the reading tests expect.
  describe('null fields', () => {
    it('takes a null lms_user_id as no id, as Open edX does', async () => {
      const response = await post(courseCredential('nina', { lms_user_id: null }));
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({ username: 'nina', status: 'awarded' });
      const [learner] = await queryRows<{ lms_user_id: number | null }>(
        t.database.db,
        sql`select lms_user_id from users where username = 'nina'`,
      );
      expect(learner?.lms_user_id ?? null).toBeNull();
    });
  });
});
