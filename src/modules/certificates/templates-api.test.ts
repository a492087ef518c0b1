import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';
import { onPostgres } from '../../../test/helpers/engine.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';
import { lockWaits } from '../../../test/helpers/lock-waits.ts';

const UNKNOWN = '6a2b58c1-0000-4000-8000-000000000000';

describe('certificate templates (/api/v2/templates/)', () => {
  let env: ApiEnv;
  let t: TestApp;
  let staff: Record<string, string>;
  let lms: Record<string, string>;

  beforeAll(async () => {
    env = await startApiEnv();
    t = env.t;
    await t.app.laurel.services.sites.create({ domain: 'other.example.org', name: 'Other' }, CLI_ACTOR);
    staff = await env.as('staff', { administrator: true });
    lms = await env.as('lms_worker');
  });
  afterAll(() => env?.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, host?: string) =>
    t.app.inject({ method, url, headers: { ...staff, ...(host && { host }) }, ...(payload && { payload }) });
  const create = (payload: Record<string, unknown>) => call('POST', '/api/v2/templates/', payload);
  const page = async (hex: string) =>
    (await t.app.inject({ method: 'GET', url: `/credentials/${hex}/` })).body;
  const award = (username: string, key: string) => env.award(username, key);
  const hexOf = (uuid: string) => uuid.replace(/-/g, '');
  const templateCount = async () => (await call('GET', '/api/v2/templates/')).json().count as number;
  /** A certificate template whose page says where it came from. */
  const marking = (mark: string) =>
    `<!doctype html><html lang="{{ lang }}"><title>{{ certificate.title }}</title><body>${mark}: {{ learner.name }} {% include 'header' %}</body></html>`;

  it('stores a site template in the shape it documents, and certificate pages use it', async () => {
    const key = env.catalog.data.courses[3]!.course_runs[0]!.key;
    const uuid = await award('site-learner', key);
    const response = await create({
      part: 'certificate',
      scope: 'site',
      name: 'House style',
      body: marking('SITE'),
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      part: 'certificate',
      scope: 'site',
      scope_key: '',
      name: 'House style',
      version: 1,
      body: marking('SITE'),
      created: expect.any(String),
      modified: expect.any(String),
    });
    const html = await page(hexOf(uuid));
    expect(html).toContain('SITE: site-learner');
    // The built-in header still fills in for the part this site did not store.
    expect(html).toContain('class="page-header"');
    expect((await call('DELETE', `/api/v2/templates/${response.json().uuid}/`)).statusCode).toBe(204);
    expect(await page(hexOf(uuid))).toContain('Certificate of Achievement');
  });

  it('resolves each part along config > program > program type > organization > kind > site', async () => {
    const program = env.catalog.data.programs[0]!;
    const programRun = program.courses[0]!.course_runs[0]!.key;
    await award('chain-learner', programRun);
    expect(
      (await call('POST', '/api/v2/program_certificates/', { program_uuid: program.uuid })).statusCode,
    ).toBe(201);
    const configUuid = (await call('GET', '/api/v2/program_certificates/')).json().results[0].uuid as string;
    const issued = await t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/',
      headers: lms,
      payload: { username: 'chain-learner', credential: { program_uuid: program.uuid } },
    });
    const hex = hexOf(issued.json().uuid);
    const organization = program.authoring_organizations[0]!.key;
    const places = [
      ['site', ''],
      ['credential-kind', 'program'],
      ['organization', organization],
      ['program-type', program.type_attrs.slug],
      // Written as a person might paste it: stored in the form credentials name it.
      ['program', program.uuid.toUpperCase()],
      ['config', configUuid],
    ] as const;
    const created: string[] = [];
    for (const [scope, scopeKey] of places) {
      const response = await create({
        part: 'certificate',
        scope,
        scope_key: scopeKey,
        body: marking(scope),
      });
      expect(response.statusCode).toBe(201);
      created.push(response.json().uuid);
      expect(await page(hex)).toContain(`${scope}: chain-learner`);
    }
    // A header stored for the site applies under the config's own certificate.
    const header = await create({
      part: 'header',
      scope: 'site',
      body: '<p class="custom-header">{{ site.platform_name }}</p>',
    });
    expect(header.statusCode).toBe(201);
    expect(await page(hex)).toMatch(/config: chain-learner <p class="custom-header">/);
    // Less specific places take over as the more specific ones go.
    for (let i = places.length - 1; i > 0; i--) {
      expect((await call('DELETE', `/api/v2/templates/${created[i]}/`)).statusCode).toBe(204);
      expect(await page(hex)).toContain(`${places[i - 1]![0]}: chain-learner`);
    }
    await call('DELETE', `/api/v2/templates/${created[0]}/`);
    await call('DELETE', `/api/v2/templates/${header.json().uuid}/`);
  });

  it('refuses templates that do not parse or render, with line and column, and stores nothing', async () => {
    const before = await templateCount();
    const cases: [string, RegExp][] = [
      ['<h1>\n  {% if learner.name %}\n</h1>', /^Line 2, column 3: tag \{% if learner.name %\} not closed/],
      ['{{ learner.name | shout }}', /^Line 1, column 1: undefined filter: shout/],
      ["{% include 'sidebar' %}", /^Line 1, column 1: .*sidebar/],
    ];
    for (const [body, message] of cases) {
      const response = await create({ part: 'certificate', scope: 'site', body });
      expect(response.statusCode).toBe(400);
      expect(response.json().body[0]).toMatch(message);
    }
    expect(await templateCount()).toBe(before);
  });

  it('stops hostile templates within a second, exposes no prototypes, and keeps serving', async () => {
    const hostile = [
      '{% for i in (1..1000000000) %}x{% endfor %}',
      '{% for a in (1..2000) %}{% for b in (1..2000) %}{% for c in (1..2000) %}x{% endfor %}{% endfor %}{% endfor %}',
      '{% assign s = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" %}{% for i in (1..200000) %}{{ s }}{{ s }}{{ s }}{{ s }}{% endfor %}',
      "{% include 'certificate' %}",
      "{% liquid\n  include 'certificate'\n%}",
      // Single filter calls, which liquidjs does not interrupt: huge inputs, and long chains.
      '{% assign a = (1..8000000) | sort %}{{ a | size }}',
      '{% assign a = (1..500000) %}{{ a | where: "x", 1 | size }}',
      `{% assign a = (1..9000) %}{{ a${' | group_by_exp: "i", "i"'.repeat(60)} | size }}`,
    ];
    for (const body of hostile) {
      const started = performance.now();
      const response = await create({ part: 'certificate', scope: 'site', body });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(response.statusCode).toBe(400);
    }
    const probing = await create({
      part: 'certificate',
      scope: 'credential-kind',
      scope_key: 'course-run',
      body: '[{{ learner.constructor }}|{{ learner.__proto__ }}|{{ certificate.title.constructor.name }}|{{ t.hasOwnProperty }}]',
    });
    expect(probing.statusCode).toBe(201);
    const uuid = await award('probe-learner', env.catalog.data.courses[4]!.course_runs[0]!.key);
    expect(await page(hexOf(uuid))).toBe('[|||]');
    await call('DELETE', `/api/v2/templates/${probing.json().uuid}/`);
    expect((await t.app.inject({ method: 'GET', url: '/health/' })).statusCode).toBe(200);
  });

  it('falls back to the built-in design when a stored template fails on a real credential', async () => {
    // Valid for the sample learner, too slow for this one.
    const body =
      '{% if learner.name == "slowpoke" %}{% for a in (1..3000) %}{% for b in (1..3000) %}x{% endfor %}{% endfor %}{% endif %}ok';
    const stored = await create({ part: 'certificate', scope: 'site', body });
    expect(stored.statusCode).toBe(201);
    const uuid = await award('slowpoke', env.catalog.data.courses[6]!.course_runs[0]!.key);
    const response = await t.app.inject({ method: 'GET', url: `/credentials/${hexOf(uuid)}/` });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Certificate of Achievement');
    await call('DELETE', `/api/v2/templates/${stored.json().uuid}/`);
  });

  it('checks scopes, keys, sizes and duplicates', async () => {
    const bad: Record<string, unknown>[] = [
      { part: 'certificate', scope: 'site', scope_key: 'x', body: 'x' },
      { part: 'certificate', scope: 'credential-kind', scope_key: 'diploma', body: 'x' },
      { part: 'certificate', scope: 'program', body: 'x' },
      { part: 'certificate', scope: 'config', scope_key: 'not-a-uuid', body: 'x' },
      { part: 'sidebar', scope: 'site', body: 'x' },
      { part: 'certificate', scope: 'planet', body: 'x' },
      { part: 'certificate', scope: 'site', body: '' },
      { part: 'certificate', scope: 'site', body: 'x'.repeat(256 * 1024 + 1) },
      { part: 'certificate', scope: 'site', body: 'x', name: 'bell\u0007' },
      { part: 'certificate', scope: 'site', body: 'x', extra: true },
    ];
    for (const payload of bad)
      expect((await create(payload)).statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
    const first = await create({ part: 'footer', scope: 'site', body: '<footer>one</footer>' });
    expect(first.statusCode).toBe(201);
    const again = await create({ part: 'footer', scope: 'site', body: '<footer>two</footer>' });
    expect(again.statusCode).toBe(409);
    await call('DELETE', `/api/v2/templates/${first.json().uuid}/`);
  });

  it('keeps every version, restores one as a new version, and saves nothing for an unchanged body', async () => {
    const created = (
      await create({ part: 'footer', scope: 'site', name: 'Footer', body: '<footer>v1</footer>' })
    ).json();
    const url = `/api/v2/templates/${created.uuid}/`;
    const second = await call('PATCH', url, { body: '<footer>v2</footer>' });
    expect(second.json()).toMatchObject({ version: 2, body: '<footer>v2</footer>' });
    expect((await call('PATCH', url, { body: '<footer>v2</footer>', name: 'Renamed' })).json()).toMatchObject(
      {
        version: 2,
        name: 'Renamed',
      },
    );
    const versions = (await call('GET', `${url}versions/`)).json();
    expect(versions.count).toBe(2);
    expect(versions.results.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const restored = await call('POST', `${url}versions/1/restore/`);
    expect(restored.json()).toMatchObject({ version: 3, body: '<footer>v1</footer>' });
    expect((await call('POST', `${url}versions/9/restore/`)).statusCode).toBe(404);
    expect((await call('GET', url)).json()).toMatchObject({ version: 3, body: '<footer>v1</footer>' });
    const audit = await call('GET', `/api/v2/audit/?target_id=${created.uuid}`);
    expect(
      audit
        .json()
        .results.map((entry: { action: string }) => entry.action)
        .sort(),
    ).toEqual(['template.created', 'template.renamed', 'template.restored', 'template.updated']);
    await call('DELETE', url);
  });

  it('saves one version for the same body sent several times at once', async () => {
    const created = (await create({ part: 'footer', scope: 'site', body: '<footer>v1</footer>' })).json();
    const url = `/api/v2/templates/${created.uuid}/`;
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => call('PATCH', url, { body: '<footer>same</footer>' })),
    );
    expect(answers.map((answer) => answer.json().version)).toEqual([2, 2, 2, 2, 2, 2]);
    expect((await call('GET', `${url}versions/`)).json().count).toBe(2);
    await call('DELETE', url);
  });

  // A second connection closes a cycle of locks with the save: PostgreSQL only.
  it.runIf(onPostgres)(
    'answers a save that the database stops for a deadlock with 503, to try again',
    async () => {
      const created = (await create({ part: 'footer', scope: 'site', body: '<footer>v1</footer>' })).json();
      const url = `/api/v2/templates/${created.uuid}/`;
      const locker = new pg.Client({ connectionString: t.config.databaseUrl });
      await locker.connect();
      try {
        await locker.query('begin');
        // The save locks the template, then waits here; then the locker waits for the template.
        await locker.query('lock table audit_log in exclusive mode');
        const saving = call('PATCH', url, { body: '<footer>v2</footer>' });
        await lockWaits(locker, 'the save to wait');
        const cycle = locker.query('select 1 from templates where uuid = $1 for update', [created.uuid]);
        const stopped = await saving;
        expect(stopped.statusCode).toBe(503);
        expect(stopped.headers['retry-after']).toBe('1');
        expect(stopped.json()).toEqual({
          detail: 'The request met another one changing the same data: try again.',
        });
        await cycle;
        await locker.query('rollback');
      } finally {
        await locker.end();
      }
      const again = await call('PATCH', url, { body: '<footer>v2</footer>' });
      expect(again.json()).toMatchObject({ version: 2 });
      await call('DELETE', url);
    },
  );

  it("keeps each site's templates to itself", async () => {
    const created = (await create({ part: 'header', scope: 'site', body: '<header>mine</header>' })).json();
    const url = `/api/v2/templates/${created.uuid}/`;
    expect((await call('GET', url, undefined, 'other.example.org')).statusCode).toBe(404);
    expect((await call('PATCH', url, { name: 'x' }, 'other.example.org')).statusCode).toBe(404);
    expect((await call('DELETE', url, undefined, 'other.example.org')).statusCode).toBe(404);
    expect((await call('GET', '/api/v2/templates/', undefined, 'other.example.org')).json().count).toBe(0);
    expect(
      (await call('POST', '/api/v2/templates/preview/', { template: created.uuid }, 'other.example.org'))
        .statusCode,
    ).toBe(400);
    await call('DELETE', url);
    for (const method of ['GET', 'PATCH', 'DELETE'] as const)
      expect(
        (await call(method, `/api/v2/templates/${UNKNOWN}/`, method === 'PATCH' ? {} : undefined)).statusCode,
      ).toBe(404);
    expect((await call('GET', '/api/v2/templates/not-a-uuid/')).statusCode).toBe(404);
  });

  it('previews drafts and stored templates on sample data or any credential of the site', async () => {
    const preview = (payload: object) => call('POST', '/api/v2/templates/preview/', payload);
    const sample = await preview({ kind: 'course-run', language: 'fr' });
    expect(sample.statusCode).toBe(200);
    expect(sample.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(sample.body).toContain('Certificat de réussite');
    const draft = await preview({ body: 'Draft for {{ learner.name }}' });
    expect(draft.body).toBe('Draft for Jane Q. Learner');
    expect((await preview({ body: '{% if %}' })).statusCode).toBe(400);
    const key = env.catalog.data.courses[5]!.course_runs[0]!.key;
    const uuid = await award('previewed', key);
    await t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/',
      headers: lms,
      payload: {
        username: 'previewed',
        credential: { course_run_key: key, mode: 'verified' },
        status: 'revoked',
      },
    });
    const revoked = await preview({ credential: uuid, part: 'header', body: '<b>{{ learner.name }}</b>' });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.body).toContain('<b>previewed</b>');
    expect((await preview({ credential: UNKNOWN })).json()).toEqual({
      credential: ['No credential of this site has that UUID.'],
    });
    expect((await preview({ template: UNKNOWN })).statusCode).toBe(400);
  });

  it("previews a real credential in another language without changing its public page's", async () => {
    const key = env.catalog.data.courses[6]!.course_runs[0]!.key;
    const uuid = await award('arabic-preview', key);
    const inArabic = await call('POST', '/api/v2/templates/preview/', { credential: uuid, language: 'ar' });
    expect(inArabic.body).toContain('<html lang="ar" dir="rtl"');
    for (const username of ['arabic-preview', 'next-of-that-config']) {
      const held = username === 'arabic-preview' ? uuid : await award(username, key);
      expect(await page(hexOf(held))).toContain('<html lang="en"');
    }
  });
});
