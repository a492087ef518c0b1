import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';
import { HOSTILE_STRINGS } from '../../../test/helpers/hostile-inputs.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';

const OTHER_HOST = 'other.example.org';
const UNKNOWN_UUID = '6a2b58c1-0000-4000-8000-000000000000';
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

describe('course certificate configurations (/api/v2/course_certificates/)', () => {
  let env: ApiEnv;
  let t: TestApp;
  let runKey: string;
  let otherRunKey: string;
  const auth: Record<string, Record<string, string>> = {};
  /** Signatories of the localhost site, and one of the other site. */
  const signatory: Record<'ada' | 'grace' | 'elsewhere', string> = { ada: '', grace: '', elsewhere: '' };

  beforeAll(async () => {
    env = await startApiEnv();
    t = env.t;
    await t.app.laurel.services.sites.create({ domain: OTHER_HOST, name: 'Other' }, CLI_ACTOR);
    runKey = env.catalog.data.courses[2]!.course_runs[0]!.key;
    otherRunKey = env.catalog.data.courses[3]!.course_runs[0]!.key;
    for (const who of ['lms_worker', 'alice']) auth[who] = await env.as(who);
    auth.staff = await env.as('staff', { administrator: true });
    const addSignatory = async (name: string, host = 'localhost') =>
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v2/signatories/',
          headers: { ...auth.staff, host },
          payload: { name },
        })
      ).json().uuid as string;
    signatory.ada = await addSignatory('Ada Lovelace');
    signatory.grace = await addSignatory('Grace Hopper');
    signatory.elsewhere = await addSignatory('Someone Else', OTHER_HOST);
  });
  afterAll(() => env?.close());

  const call = (method: Method, url: string, payload?: object, who = 'staff', host = 'localhost') =>
    t.app.inject({ method, url, headers: { ...auth[who], host }, ...(payload && { payload }) });
  const post = (payload: object, who = 'lms_worker') =>
    call('POST', '/api/v2/course_certificates/', payload, who);
  const url = (courseId: string, query = '') =>
    `/api/v2/course_certificates/${encodeURIComponent(courseId)}/${query}`;
  const list = (query = '', who = 'staff', host = 'localhost') =>
    call('GET', `/api/v2/course_certificates/${query}`, undefined, who, host);
  const award = (mode: string) =>
    call(
      'POST',
      '/api/v2/credentials/',
      { username: 'alice', credential: { course_run_key: runKey, mode } },
      'lms_worker',
    );
  const auditOf = async (uuid: string) =>
    (await call('GET', `/api/v2/audit/?target_id=${uuid}`)).json().results as {
      action: string;
      changes: Record<string, unknown>;
    }[];

  /** Everything a write could touch, to prove that a refused request wrote nothing. */
  const snapshot = async () =>
    (
      (await t.database.db.execute(sql`
        select
          (select count(*)::int from credential_configs) as configs,
          (select coalesce(max(updated_at)::text, '') from credential_configs) as last_change,
          (select string_agg(config_id || ':' || signatory_id || ':' || position, ',' order by config_id, position)
             from credential_config_signatories) as links,
          (select count(*)::int from audit_log) as audit
      `)) as unknown as { rows: Record<string, unknown>[] }
    ).rows[0];

  describe('the Open edX endpoint', () => {
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
        uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        title: null,
        language: null,
        use_org_name: false,
        include_hours_of_effort: false,
        signatories: [],
        created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        modified: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      });
      const updated = await post({
        course_id: runKey,
        certificate_type: 'verified',
        certificate_available_date: null,
      });
      expect(updated.statusCode).toBe(201);
      expect(updated.json()).toMatchObject({
        id: created.json().id,
        uuid: created.json().uuid,
        certificate_available_date: null,
        is_active: true,
      });
      expect((await auditOf(created.json().uuid)).map((entry) => entry.action)).toEqual([
        'config.updated',
        'config.created',
      ]);
    });

    it('audits nothing when a POST changes nothing', async () => {
      const before = await snapshot();
      expect((await post({ course_id: runKey, certificate_type: 'verified' })).statusCode).toBe(201);
      expect(await snapshot()).toEqual(before);
    });

    it('creates one configuration when the first announcements of a run and mode arrive together', async () => {
      const courseId = 'course-v1:Race+R+2026';
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => post({ course_id: courseId, certificate_type: 'honor' })),
      );
      expect(responses.map((response) => response.statusCode)).toEqual([201, 201, 201, 201, 201]);
      expect(new Set(responses.map((response) => response.json().uuid)).size).toBe(1);
      expect((await list(`?course_id=${encodeURIComponent(courseId)}`)).json().count).toBe(1);
    });

    it('accepts a run the catalog does not know yet, unlinked', async () => {
      const response = await post({ course_id: 'course-v1:Future+X+2030', certificate_type: 'honor' });
      expect(response.json()).toMatchObject({ course_id: 'course-v1:Future+X+2030', course_run: null });
    });

    it('reads and changes one by course id, asking for the mode when there are several', async () => {
      expect((await call('GET', url(runKey))).json()).toMatchObject({ certificate_type: 'verified' });
      await post({ course_id: runKey, certificate_type: 'professional' });
      const ambiguous = await call('GET', url(runKey));
      expect(ambiguous.statusCode).toBe(400);
      expect(ambiguous.json().certificate_type[0]).toContain('verified, professional');
      const patched = await call(
        'PATCH',
        url(runKey, '?certificate_type=professional'),
        { is_active: false },
        'lms_worker',
      );
      expect(patched.json()).toMatchObject({ certificate_type: 'professional', is_active: false });
      expect((await call('GET', url('course-v1:Nope+N+1'))).statusCode).toBe(404);
    });

    it('refuses to award a certificate whose configuration is inactive', async () => {
      const response = await award('professional');
      expect(response.statusCode).toBe(400);
      expect(response.json().credential.course_run_key[0]).toContain('is not active');
    });

    it('follows a configuration switched on and off between awards', async () => {
      const toggle = (active: boolean) =>
        call('PATCH', url(runKey, '?certificate_type=professional'), { is_active: active }, 'lms_worker');
      expect((await toggle(true)).statusCode).toBe(200);
      expect((await award('professional')).statusCode).toBe(201);
      expect((await toggle(false)).statusCode).toBe(200);
      expect((await award('professional')).statusCode).toBe(400);
    });
  });

  describe('presentation and signatories', () => {
    it('takes title, language, display switches and ordered signatories, and audits them', async () => {
      const created = await post(
        {
          course_id: otherRunKey,
          certificate_type: 'verified',
          title: 'Certificate of Achievement',
          language: 'es-419',
          use_org_name: true,
          include_hours_of_effort: true,
          signatories: [signatory.grace, signatory.ada.replaceAll('-', '').toUpperCase()],
        },
        'staff',
      );
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({
        course_id: otherRunKey,
        title: 'Certificate of Achievement',
        language: 'es-419',
        use_org_name: true,
        include_hours_of_effort: true,
        signatories: [signatory.grace, signatory.ada],
      });
      expect((await call('GET', url(otherRunKey))).json()).toEqual(created.json());
      const [entry] = await auditOf(created.json().uuid);
      expect(entry).toMatchObject({
        action: 'config.created',
        changes: {
          title: [null, 'Certificate of Achievement'],
          useOrgName: [null, true],
          signatories: [signatory.grace, signatory.ada.replaceAll('-', '').toUpperCase()],
        },
      });
    });

    it('reorders signatories and clears the title with PUT and PATCH, keeping what is not named', async () => {
      const reordered = await call('PUT', url(otherRunKey), {
        signatories: [signatory.ada, signatory.grace],
      });
      expect(reordered.statusCode).toBe(200);
      expect(reordered.json()).toMatchObject({
        signatories: [signatory.ada, signatory.grace],
        title: 'Certificate of Achievement',
        language: 'es-419',
      });
      const cleared = await call('PATCH', url(otherRunKey), { title: '', language: null, signatories: [] });
      expect(cleared.json()).toMatchObject({
        title: null,
        language: null,
        signatories: [],
        use_org_name: true,
      });
      const [latest] = await auditOf(cleared.json().uuid);
      expect(latest).toMatchObject({
        action: 'config.updated',
        changes: { title: ['Certificate of Achievement', null], signatories: [] },
      });
    });
  });

  describe('validation: a clear 400 and nothing written', () => {
    it.each([
      ['no course_id', 'course_id', { course_id: undefined }],
      ['an unknown mode', 'certificate_type', { course_id: 'x', certificate_type: 'gold' }],
      ['a date that is not one', 'certificate_available_date', { certificate_available_date: 'soon' }],
      ['an unknown field', 'site', { site: 2 }],
      ['a NUL in the course id', 'course_id', { course_id: 'course-v1:A+B\u0000+C' }],
      ['a course id too long', 'course_id', { course_id: `course-v1:${'x'.repeat(250)}` }],
      ['a blank course id', 'course_id', { course_id: '' }],
      ['a title too long', 'title', { title: 'x'.repeat(256) }],
      ['a NUL in the title', 'title', { title: 'Certificate\u0000' }],
      ['a title that is not text', 'title', { title: { text: 'x' } }],
      ['a bad language', 'language', { language: 'Spanish!' }],
      ['a language too long', 'language', { language: 'en-abcdefgh-ijklmnop' }],
      ['a switch that is not a boolean', 'use_org_name', { use_org_name: 'yes' }],
      ['signatories that are not a list', 'signatories', { signatories: UNKNOWN_UUID }],
      ['a signatory that is not a UUID', 'signatories', { signatories: ["' OR 1=1 --"] }],
      ['an unknown signatory', 'signatories', { signatories: [UNKNOWN_UUID] }],
      ['a signatory listed twice', 'signatories', { signatories: ['ADA', 'ADA'] }],
      ["another site's signatory", 'signatories', { signatories: ['ELSEWHERE'] }],
      [
        'too many signatories',
        'signatories',
        { signatories: Array.from({ length: 11 }, () => UNKNOWN_UUID) },
      ],
    ])('POST refuses %s with a 400 on %s', async (_name, field, change: Record<string, unknown>) => {
      const before = await snapshot();
      const payload = {
        course_id: 'course-v1:Fresh+F+2026',
        certificate_type: 'verified',
        title: 'Would be written',
        ...change,
        ...('signatories' in change &&
          Array.isArray(change.signatories) && {
            signatories: change.signatories.map((name: unknown) =>
              name === 'ADA' ? signatory.ada : name === 'ELSEWHERE' ? signatory.elsewhere : name,
            ),
          }),
      };
      const response = await post(payload, 'staff');
      expect(response.statusCode).toBe(400);
      expect(Object.keys(response.json())).toContain(field);
      expect(await snapshot()).toEqual(before);
    });

    it('PATCH with a bad signatory changes none of the other fields either', async () => {
      const before = await snapshot();
      const response = await call('PATCH', url(otherRunKey), {
        title: 'Half a change',
        is_active: false,
        signatories: [signatory.ada, UNKNOWN_UUID],
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ signatories: [`Unknown signatories: ${UNKNOWN_UUID}.`] });
      expect(await snapshot()).toEqual(before);
      expect((await call('GET', url(otherRunKey))).json()).toMatchObject({ title: null, is_active: true });
    });

    it.each(HOSTILE_STRINGS.map((value) => [JSON.stringify(value).slice(0, 40), value]))(
      'answers the hostile string %s in every field without a server error, writing nothing on a 4xx',
      async (_shown, value) => {
        const attempts = [
          () => post({ course_id: value, certificate_type: 'honor' }, 'staff'),
          () =>
            post({ course_id: 'course-v1:Hostile+H+1', certificate_type: 'honor', title: value }, 'staff'),
          () => post({ course_id: 'course-v1:Hostile+H+1', certificate_type: value }, 'staff'),
          () =>
            post({ course_id: 'course-v1:Hostile+H+1', certificate_type: 'honor', language: value }, 'staff'),
          () =>
            post(
              { course_id: 'course-v1:Hostile+H+1', certificate_type: 'honor', signatories: [value] },
              'staff',
            ),
          () => call('PATCH', url(otherRunKey), { certificate_available_date: value }),
        ];
        let encoded: string | undefined;
        try {
          encoded = encodeURIComponent(value);
        } catch {
          // A lone surrogate cannot be put in a URL at all.
        }
        if (encoded !== undefined) {
          const query = `?course_id=${encoded}`;
          attempts.push(
            () => list(query),
            () => list(`?is_active=${encoded}`),
            () => list(`?certificate_type=${encoded}`),
            () => call('GET', `/api/v2/course_certificates/${encoded}/`),
            () => call('PATCH', `/api/v2/course_certificates/${encoded}/`, { title: 'x' }),
            () => call('DELETE', `/api/v2/course_certificates/${encoded}/`),
            () => call('DELETE', url(otherRunKey, `?certificate_type=${encoded}`)),
          );
        }
        for (const attempt of attempts) {
          const before = await snapshot();
          const response = await attempt();
          expect(response.statusCode, response.body).toBeLessThan(500);
          if (response.statusCode >= 400) {
            expect(response.json()).toBeTypeOf('object');
            expect(await snapshot()).toEqual(before);
          }
        }
      },
    );
  });

  describe('the list', () => {
    it('pages through every configuration of the site, ordered by course id, mode and age', async () => {
      for (let i = 0; i < 22; i += 1) {
        const response = await post({
          course_id: `course-v1:Many+M${String(i % 11).padStart(2, '0')}+2026`,
          certificate_type: i < 11 ? 'verified' : 'audit',
        });
        expect(response.statusCode).toBe(201);
      }
      const pages = [];
      for (let next = '/api/v2/course_certificates/'; next;) {
        const response = await call('GET', next);
        expect(response.statusCode).toBe(200);
        pages.push(response.json());
        next = pages.at(-1).next?.replace('http://localhost', '');
      }
      expect(pages.length).toBeGreaterThan(1);
      expect(pages[0].previous).toBeNull();
      expect(pages[0].next).toBe('http://localhost/api/v2/course_certificates/?page=2');
      expect(pages[1].previous).toBe('http://localhost/api/v2/course_certificates/');
      const all = pages.flatMap((page) => page.results) as { course_id: string; certificate_type: string }[];
      expect(pages.every((page) => page.count === all.length)).toBe(true);
      expect(all.length).toBeGreaterThan(22);
      const keys = all.map((config) => [config.course_id, config.certificate_type].join(' '));
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.filter((key) => key.startsWith('course-v1:Many+'))).toEqual(
        Array.from({ length: 11 }, (_, i) => `course-v1:Many+M${String(i).padStart(2, '0')}+2026`).flatMap(
          (course) => [`${course} audit`, `${course} verified`],
        ),
      );
      const again = (await list('?page=2')).json().results.map((c: { uuid: string }) => c.uuid);
      expect(again).toEqual(pages[1].results.map((c: { uuid: string }) => c.uuid));
      expect((await list(`?page=${pages.length + 1}`)).statusCode).toBe(404);
    });

    it('filters by course id, mode and active flag, keeping the filters in the page links', async () => {
      const byRun = (await list(`?course_id=${encodeURIComponent(runKey)}`)).json();
      expect(byRun.results.map((c: { certificate_type: string }) => c.certificate_type)).toEqual([
        'professional',
        'verified',
      ]);
      const inactive = (await list('?is_active=false')).json();
      expect(inactive.results).toEqual([
        expect.objectContaining({ course_id: runKey, certificate_type: 'professional', is_active: false }),
      ]);
      const audit = (await list('?certificate_type=audit&is_active=true')).json();
      expect(audit.count).toBe(11);
      expect(audit.results.every((c: { certificate_type: string }) => c.certificate_type === 'audit')).toBe(
        true,
      );
      const none = (await list('?course_id=course-v1:None+N+1&certificate_type=honor')).json();
      expect(none).toEqual({ count: 0, next: null, previous: null, results: [] });
      const verified = (await list('?certificate_type=verified&page=1')).json();
      expect(verified.next).toBeNull();
      expect(verified.results.length).toBe(verified.count);
    });

    it.each([
      'colour=red',
      'is_active=maybe',
      'is_active=1',
      'is_active=',
      'is_active=true&is_active=false',
      'certificate_type=gold',
      `course_id=${'x'.repeat(256)}`,
      'course_id=a%00b',
      'course_id=',
    ])('refuses ?%s with a 400 naming the parameter', async (query) => {
      const response = await list(`?${query}`);
      expect(response.statusCode).toBe(400);
      expect(Object.keys(response.json())).toContain(query.split('=')[0]);
    });

    it.each(['page=0', 'page=x', 'page=1e309'])(
      'answers ?%s with 404 "Invalid page.", as DRF',
      async (query) => {
        const response = await list(`?${query}`);
        expect(response.statusCode).toBe(404);
        expect(response.json()).toEqual({ detail: 'Invalid page.' });
      },
    );
  });

  describe('DELETE', () => {
    it('refuses with 409 while a credential uses the configuration, and changes nothing', async () => {
      expect((await award('verified')).statusCode).toBe(201);
      const ambiguous = await call('DELETE', url(runKey), undefined, 'lms_worker');
      expect(ambiguous.statusCode).toBe(400);
      expect(ambiguous.json().certificate_type[0]).toContain('Name one');
      const before = await snapshot();
      const inUse = await call('DELETE', url(runKey, '?certificate_type=verified'), undefined, 'lms_worker');
      expect(inUse.statusCode).toBe(409);
      expect(inUse.json()).toEqual({
        detail: 'Credentials were awarded with this configuration: deactivate it instead.',
      });
      expect(await snapshot()).toEqual(before);
      expect((await call('GET', url(runKey, '?certificate_type=verified'))).statusCode).toBe(200);
    });

    it('deletes an unused configuration with its signatories, audits it, and then 404s', async () => {
      const { uuid } = (await call('GET', url(otherRunKey))).json();
      await call('PATCH', url(otherRunKey), { signatories: [signatory.ada] });
      const deleted = await call('DELETE', url(otherRunKey), undefined, 'lms_worker');
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');
      expect((await call('GET', url(otherRunKey))).statusCode).toBe(404);
      expect((await call('DELETE', url(otherRunKey), undefined, 'lms_worker')).statusCode).toBe(404);
      expect((await auditOf(uuid))[0]).toMatchObject({ action: 'config.deleted' });
      // The signatory itself is kept, and free to delete now that nothing shows it.
      expect((await call('GET', `/api/v2/signatories/${signatory.ada}/`)).statusCode).toBe(200);
    });

    it('answers 404 for an unknown run or mode', async () => {
      expect((await call('DELETE', url('course-v1:Nope+N+1'))).json()).toEqual({ detail: 'Not found.' });
      const wrongMode = await call('DELETE', url('course-v1:Future+X+2030', '?certificate_type=masters'));
      expect(wrongMode.statusCode).toBe(404);
    });
  });

  describe('sites', () => {
    it("neither lists, reads, changes nor deletes another site's configurations", async () => {
      const before = await snapshot();
      expect((await list('', 'staff', OTHER_HOST)).json()).toEqual({
        count: 0,
        next: null,
        previous: null,
        results: [],
      });
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
        const response = await call(
          method,
          url('course-v1:Future+X+2030'),
          method === 'PUT' || method === 'PATCH' ? { is_active: false } : undefined,
          'staff',
          OTHER_HOST,
        );
        expect(response.statusCode, method).toBe(404);
      }
      expect(await snapshot()).toEqual(before);
    });

    it('keeps a configuration of the same run and mode on another site apart', async () => {
      const mine = (await call('GET', url('course-v1:Future+X+2030'))).json();
      const theirs = await call(
        'POST',
        '/api/v2/course_certificates/',
        {
          course_id: 'course-v1:Future+X+2030',
          certificate_type: 'honor',
          title: 'Theirs',
          signatories: [signatory.elsewhere],
        },
        'staff',
        OTHER_HOST,
      );
      expect(theirs.statusCode).toBe(201);
      expect(theirs.json().uuid).not.toBe(mine.uuid);
      expect(theirs.json().signatories).toEqual([signatory.elsewhere]);
      expect((await call('GET', url('course-v1:Future+X+2030'))).json()).toEqual(mine);
      expect((await list('', 'staff', OTHER_HOST)).json().count).toBe(1);
    });
  });

  describe('permissions', () => {
    it('refuses learners everything, and anonymous callers with 401', async () => {
      const before = await snapshot();
      expect((await post({ course_id: runKey, certificate_type: 'verified' }, 'alice')).statusCode).toBe(403);
      expect((await call('GET', url(runKey), undefined, 'alice')).statusCode).toBe(403);
      expect((await list('', 'alice')).statusCode).toBe(403);
      expect((await call('DELETE', url('course-v1:Future+X+2030'), undefined, 'alice')).statusCode).toBe(403);
      const anonymous = await t.app.inject({ url: '/api/v2/course_certificates/' });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
      expect(await snapshot()).toEqual(before);
    });

    it('lets the LMS write configurations but not list them (config:read is for staff)', async () => {
      expect((await list('', 'lms_worker')).statusCode).toBe(403);
      expect((await list('', 'staff')).statusCode).toBe(200);
    });
  });
});
