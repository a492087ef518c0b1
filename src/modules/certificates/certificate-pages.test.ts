import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.ts';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';
import { browserTestsEnabled } from '../../../test/helpers/browser.ts';
import { TEST_REDIS_URL } from '../../../test/helpers/engine.ts';
import { waitFor } from '../../../test/helpers/wait.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';
import { EXPIRE_RENDERED_FILES_JOB } from './rendered-files.ts';

const NOT_FOUND_TEXT = 'There is no certificate at this address.';
/** Text as Liquid's escape filter writes it into a page. */
const escaped = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&#34;')
    .replace(/'/g, '&#39;');

describe('certificate pages (/credentials/{uuid-hex}/)', () => {
  let env: ApiEnv;
  let t: TestApp;
  let lms: Record<string, string>;
  let staff: Record<string, string>;
  const course = () => env.catalog.data.courses[0]!;
  const runKey = () => course().course_runs[0]!.key;

  beforeAll(async () => {
    env = await startApiEnv();
    t = env.t;
    await t.app.laurel.services.sites.create({ domain: 'other.example.org', name: 'Other' }, CLI_ACTOR);
    lms = await env.as('lms_worker');
    staff = await env.as('staff', { administrator: true, name: 'Stella Staff' });
  });
  afterAll(() => env?.close());

  const api = (method: 'POST' | 'PUT' | 'PATCH', url: string, payload: object) =>
    t.app.inject({ method, url, headers: staff, payload });
  /** Runs `check` while the site's footer is a stored template with this body; removes it after. */
  const withSiteFooter = async (body: string, check: () => Promise<void>) => {
    const footer = await api('POST', '/api/v2/templates/', { part: 'footer', scope: 'site', body });
    expect(footer.statusCode).toBe(201);
    try {
      await check();
    } finally {
      const url = `/api/v2/templates/${footer.json().uuid}/`;
      expect((await t.app.inject({ method: 'DELETE', url, headers: staff })).statusCode).toBe(204);
    }
  };
  const page = (hex: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url: `/credentials/${hex}/`, headers });
  /** Awards a course-run credential through the API; answers its certificate id (32 hex digits). */
  const award = async (username: string, key = runKey(), mode = 'verified') =>
    (await env.award(username, key, mode)).replace(/-/g, '');
  /** The learner signs in once with their LMS token, which records their name. */
  const nameLearner = async (username: string, name: string) =>
    t.app.inject({ method: 'GET', url: '/api/v2/users/me/', headers: await env.as(username, { name }) });

  it('shows a course certificate with the learner, course, organizations, date, id and QR code', async () => {
    await nameLearner('ada', 'Ada Lovelace');
    const hex = await award('ada');
    const response = await page(hex);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.headers['cache-control']).toBe('no-cache');
    const html = response.body;
    expect(html).toContain('<html lang="en" dir="ltr">');
    expect(html).toContain('Certificate of Achievement');
    expect(html).toContain('Ada Lovelace');
    expect(html).toContain(escaped(course().title));
    for (const owner of course().owners) expect(html).toContain(owner.key);
    expect(html).toContain(`data-testid="certificate-id">${hex}<`);
    expect(html).toContain(`href="http://localhost/credentials/${hex}/"`);
    expect(html).toMatch(/<svg[^>]*viewBox/);
    expect(html).toContain('<meta name="robots" content="noindex">');
  });

  it('answers 304 to a matching If-None-Match and a fresh page when the name changes', async () => {
    await nameLearner('grace', 'Grace Hopper');
    const hex = await award('grace');
    const first = await page(hex);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await page(hex, { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    await nameLearner('grace', 'Rear Admiral Grace Hopper');
    const renamed = await page(hex, { 'if-none-match': etag });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.body).toContain('Rear Admiral Grace Hopper');
  });

  it('serves a warm page from the cache until something it shows changes through Laurel', async () => {
    await nameLearner('cached', 'Cached Learner');
    const key = env.catalog.data.courses[7]!.course_runs[0]!.key;
    const hex = await award('cached', key);
    await page(hex);
    await page(hex);
    // Behind Laurel's back: a warm page does not read the database, so it does not notice.
    await t.database.db.execute(sql`update users set full_name = 'Edited In SQL' where username = 'cached'`);
    expect((await page(hex)).body).toContain('Cached Learner');
    // Through Laurel, each thing a page shows invalidates it: the learner's name…
    await nameLearner('cached', 'Renamed Learner');
    expect((await page(hex)).body).toContain('Renamed Learner');
    // …the configuration…
    const patched = await api('PATCH', `/api/v2/course_certificates/${encodeURIComponent(key)}/`, {
      title: 'Retitled Course',
    });
    expect(patched.statusCode).toBe(200);
    expect((await page(hex)).body).toContain('Retitled Course');
    // …and the site's settings.
    await t.app.laurel.services.sites.update('localhost', { platformName: 'Renamed Platform' }, CLI_ACTOR);
    try {
      expect((await page(hex)).body).toContain('Renamed Platform');
    } finally {
      await t.app.laurel.services.sites.update('localhost', { platformName: '' }, CLI_ACTOR);
    }
  });

  it.runIf(TEST_REDIS_URL)('leaves nothing in Redis for ids of certificates that do not exist', async () => {
    const redis = new Redis(TEST_REDIS_URL as string);
    try {
      const keys = () => redis.keys(`${t.config.redisKeyPrefix}cache:changes:*`);
      const hex = await award('token-owner');
      expect((await page(hex)).statusCode).toBe(200);
      const before = (await keys()).sort();
      for (let i = 0; i < 20; i++) expect((await page(randomBytes(16).toString('hex'))).statusCode).toBe(404);
      expect((await keys()).sort()).toEqual(before);
      // An existing certificate's page is still kept once its tokens are there.
      expect((await page(hex)).statusCode).toBe(200);
      const etag = (await page(hex)).headers.etag as string;
      expect((await page(hex, { 'if-none-match': etag })).statusCode).toBe(304);
    } finally {
      redis.disconnect();
    }
  });

  it.runIf(TEST_REDIS_URL)('invalidates pages cached by another instance through Redis', async () => {
    const other = await buildApp(t.config, { database: t.database });
    try {
      const hex = await award('two-instances');
      const fromOther = () => other.inject({ method: 'GET', url: `/credentials/${hex}/` });
      expect((await fromOther()).statusCode).toBe(200);
      expect((await fromOther()).statusCode).toBe(200);
      // A template saved through one instance is used by the other's next page…
      await withSiteFooter('<footer>Saved elsewhere</footer>', async () => {
        expect((await fromOther()).body).toContain('Saved elsewhere');
      });
      expect((await fromOther()).body).not.toContain('Saved elsewhere');
      // …and a revocation makes its cached page a 404.
      const revoked = await t.app.inject({
        method: 'POST',
        url: '/api/v2/credentials/',
        headers: lms,
        payload: {
          username: 'two-instances',
          credential: { course_run_key: runKey(), mode: 'verified' },
          status: 'revoked',
        },
      });
      expect(revoked.statusCode).toBe(201);
      expect((await fromOther()).statusCode).toBe(404);
    } finally {
      await other.close();
    }
  });

  it('describes itself for link previews, with a 1200×630 social card', async () => {
    await nameLearner('sharer', 'Sharing Learner');
    const hex = await award('sharer');
    const html = (await page(hex)).body;
    const cardUrl = `http://localhost/credentials/${hex}/card.png`;
    expect(html).toContain(`<meta property="og:image" content="${cardUrl}">`);
    expect(html).toContain('<meta name="twitter:card" content="summary_large_image">');
    expect(html).toContain(`<meta property="og:url" content="http://localhost/credentials/${hex}/">`);
    const card = await t.app.inject({ method: 'GET', url: `/credentials/${hex}/card.png` });
    expect(card.statusCode).toBe(200);
    expect(card.headers['content-type']).toBe('image/png');
    expect(await sharp(card.rawPayload).metadata()).toMatchObject({
      format: 'png',
      width: 1200,
      height: 630,
    });
    const again = await t.app.inject({
      method: 'GET',
      url: `/credentials/${hex}/card.png`,
      headers: { 'if-none-match': card.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);
    expect(
      (await t.app.inject({ method: 'GET', url: `/credentials/${'0'.repeat(32)}/card.png` })).statusCode,
    ).toBe(404);
  });

  it('deletes social cards not written for 30 days in its daily sweep, and makes them again', async () => {
    const hex = await award('swept');
    const card = () => t.app.inject({ method: 'GET', url: `/credentials/${hex}/card.png` });
    const first = await card();
    expect(first.statusCode).toBe(200);
    const cards = join(t.config.dataDir, 'cards');
    const file = readdirSync(cards, { recursive: true, encoding: 'utf8' })
      .map((name) => join(cards, name))
      .find((path) => statSync(path).isFile() && readFileSync(path).equals(first.rawPayload));
    if (!file) throw new Error('the card is not among the stored cards');
    const old = new Date(Date.now() - 31 * 24 * 3600 * 1000);
    utimesSync(file, old, old);

    const { jobs } = t.app.laurel;
    const schedules = await t.database.db.execute(sql`select name, cron from pgboss.schedule`);
    expect((schedules as unknown as { rows: unknown[] }).rows).toContainEqual({
      name: EXPIRE_RENDERED_FILES_JOB,
      cron: '40 3 * * *',
    });
    const id = await jobs.enqueue(t.database.db, EXPIRE_RENDERED_FILES_JOB, {});
    await waitFor(
      async () => (await jobs.get(EXPIRE_RENDERED_FILES_JOB, id))?.state === 'completed',
      'the sweep',
    );
    expect((await jobs.get(EXPIRE_RENDERED_FILES_JOB, id))?.output).toEqual({
      deleted: { cards: 1, pdfs: 0 },
    });
    expect(existsSync(file)).toBe(false);

    const again = await card();
    expect(again.statusCode).toBe(200);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(existsSync(file)).toBe(true);
  });

  it('shows the sharing banner only to the signed-in learner the certificate belongs to', async () => {
    const hex = await award('owner');
    const owner = await env.as('owner');
    const asOwner = await page(hex, owner);
    expect(asOwner.body).toContain('class="owner-banner');
    expect(asOwner.headers['cache-control']).toBe('private, no-cache');
    const revisit = await page(hex, { ...owner, 'if-none-match': asOwner.headers.etag as string });
    expect(revisit.statusCode).toBe(304);
    expect(revisit.headers['cache-control']).toBe('private, no-cache');
    const linkedin =
      /href="(https:\/\/www\.linkedin\.com\/profile\/add\?[^"]+)"/.exec(asOwner.body)?.[1] ?? '';
    const params = new URL(linkedin.replace(/&amp;/g, '&')).searchParams;
    expect(Object.fromEntries(params)).toMatchObject({
      startTask: 'CERTIFICATION_NAME',
      certId: hex,
      certUrl: `http://localhost/credentials/${hex}/`,
      issueYear: String(new Date().getUTCFullYear()),
    });
    expect(asOwner.body).toContain('https://twitter.com/intent/tweet?');
    expect(asOwner.body).not.toContain('facebook.com/sharer');
    for (const viewer of [{}, await env.as('someone-else'), staff]) {
      const other = await page(hex, viewer);
      expect(other.body).not.toContain('class="owner-banner');
      expect(other.headers.etag).not.toBe(asOwner.headers.etag);
    }
  });

  it.runIf(browserTestsEnabled)('prints a certificate to a one-page PDF, and keeps it', async () => {
    const hex = await award('printer');
    const first = await t.app.inject({ method: 'GET', url: `/credentials/${hex}/pdf` });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('application/pdf');
    expect(first.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect((first.rawPayload.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length).toBe(1);
    expect((await page(hex)).body).not.toContain(`/credentials/${hex}/pdf`);
    const owner = await page(hex, await env.as('printer'));
    expect(owner.body).toContain(`href="http://localhost/credentials/${hex}/pdf"`);
    const letter = await t.app.inject({ method: 'GET', url: `/credentials/${hex}/pdf?paper=letter` });
    expect(letter.statusCode).toBe(200);
    const again = await t.app.inject({ method: 'GET', url: `/credentials/${hex}/pdf` });
    expect(again.rawPayload.equals(first.rawPayload)).toBe(true);
    expect((await t.app.inject({ method: 'GET', url: `/credentials/${hex}/pdf?paper=a3` })).statusCode).toBe(
      400,
    );
    expect(
      (await t.app.inject({ method: 'GET', url: `/credentials/${'0'.repeat(32)}/pdf` })).statusCode,
    ).toBe(404);
  });

  it.runIf(browserTestsEnabled)(
    'prints without opening a connection, whatever a template points at',
    async () => {
      const connections: string[] = [];
      const listener = createServer((socket) => {
        connections.push(String(socket.remotePort));
        socket.destroy();
      });
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      const target = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
      const pointingElsewhere = [
        `<iframe src="${target}/frame"></iframe>`,
        `<img src="${target}/image.png" alt="">`,
        `<link rel="stylesheet" href="${target}/style.css">`,
        `<meta http-equiv="refresh" content="0;url=${target}/elsewhere">`,
      ].join('');
      try {
        await withSiteFooter(pointingElsewhere, async () => {
          const hex = await award('offline-printer');
          const printed = await t.app.inject({ method: 'GET', url: `/credentials/${hex}/pdf` });
          expect(printed.statusCode).toBe(200);
          expect(printed.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
          await new Promise((resolve) => setTimeout(resolve, 300));
          expect(connections).toEqual([]);
        });
      } finally {
        listener.close();
      }
    },
  );

  it('previews a real configuration for staff, with them as the learner', async () => {
    const key = env.catalog.data.courses[8]!.course_runs[0]!.key;
    const created = await api('POST', '/api/v2/course_certificates/', {
      course_id: key,
      certificate_type: 'verified',
      title: 'Previewed Course',
    });
    expect(created.statusCode).toBe(201);
    const url = `/credentials/example/${created.json().uuid}/`;
    const preview = await t.app.inject({ method: 'GET', url, headers: staff });
    expect(preview.statusCode).toBe(200);
    expect(preview.headers['cache-control']).toBe('no-store');
    expect(preview.body).toContain('Previewed Course');
    // Under the staff member's name, as their token gives it.
    expect(preview.body).toContain('data-testid="learner-name">Stella Staff<');
    const anonymous = await t.app.inject({ method: 'GET', url });
    expect(anonymous.statusCode).toBe(302);
    expect(anonymous.headers.location).toBe(`/login/?next=${encodeURIComponent(url)}`);
    expect((await t.app.inject({ method: 'GET', url, headers: await env.as('a-learner') })).statusCode).toBe(
      403,
    );
    const unknown = '/credentials/example/6a2b58c1-0000-4000-8000-000000000000/';
    expect((await t.app.inject({ method: 'GET', url: unknown, headers: staff })).statusCode).toBe(404);
    const otherStaff = { ...(await env.as('staff', { administrator: true })), host: 'other.example.org' };
    expect((await t.app.inject({ method: 'GET', url, headers: otherStaff })).statusCode).toBe(404);
  });

  it('escapes what learners and administrators wrote', async () => {
    await nameLearner('mallory', '<script>alert(1)</script>');
    const hex = await award('mallory');
    const html = (await page(hex)).body;
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('leads a link without its trailing slash to the certificate, and anything else to the 404 page', async () => {
    const hex = await award('slashless');
    const moved = await t.app.inject({ method: 'GET', url: `/credentials/${hex}` });
    expect(moved.statusCode).toBe(301);
    expect(moved.headers.location).toBe(`/credentials/${hex}/`);
    for (const id of ['nothing-here', `${hex}0`, 'a%00b']) {
      const response = await t.app.inject({ method: 'GET', url: `/credentials/${id}` });
      expect(response.statusCode, id).toBe(404);
      expect(response.body).toContain(NOT_FOUND_TEXT);
    }
  });

  it('answers the same 404 for unknown, malformed, revoked and other-site credentials', async () => {
    const hex = await award('hidden');
    const shown = await page(hex);
    expect(shown.statusCode).toBe(200);
    // Warm: the second visit caches the page with every token it depends on.
    expect((await page(hex)).statusCode).toBe(200);
    const malformed = [
      '0'.repeat(32),
      hex.toUpperCase(),
      `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
      `${hex}0`,
      'example%00',
      '..%2F..%2Fetc%2Fpasswd',
    ];
    const otherSite = await page(hex, { host: 'other.example.org' });
    const revoke = await t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/',
      headers: lms,
      payload: {
        username: 'hidden',
        credential: { course_run_key: runKey(), mode: 'verified' },
        status: 'revoked',
      },
    });
    expect(revoke.statusCode).toBe(201);
    const revoked = await page(hex, { 'if-none-match': shown.headers.etag as string });
    for (const response of [otherSite, revoked, ...(await Promise.all(malformed.map((id) => page(id))))]) {
      expect(response.statusCode).toBe(404);
      expect(response.body).toContain(NOT_FOUND_TEXT);
      expect(response.body).not.toContain(hex);
    }
  });

  it('answers pages asked for at once (looked up together) each with its own credential', async () => {
    const learners = Array.from({ length: 12 }, (_, i) => `together-${i}`);
    for (const [i, learner] of learners.entries()) await nameLearner(learner, `Together Learner ${i}`);
    const hexes = await Promise.all(learners.map((learner) => award(learner)));
    const unknown = '0190d1f4c6b27a3e9f1c2d3e4f5a6b7c';
    const asked = [
      ...hexes.map((hex) => ({ hex, host: 'localhost' })),
      { hex: hexes[0]!, host: 'other.example.org' },
      { hex: unknown, host: 'localhost' },
      { hex: hexes[1]!, host: 'localhost' },
    ];
    const responses = await Promise.all(asked.map(({ hex, host }) => page(hex, { host })));
    responses.slice(0, learners.length).forEach((response, i) => {
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain(`Together Learner ${i}<`);
      expect(response.body).toContain(`data-testid="certificate-id">${hexes[i]}<`);
    });
    const [otherSite, unknownPage, again] = responses.slice(learners.length);
    expect(otherSite?.statusCode).toBe(404);
    expect(unknownPage?.statusCode).toBe(404);
    expect(again?.body).toBe(responses[1]?.body);
  });
  it('hides a course certificate until its certificate available date', async () => {
    // A run no other test uses and in no program, so the date moved here hides nothing else.
    const taken = new Set(
      env.catalog.data.programs.flatMap((p) => p.courses.flatMap((c) => c.course_runs.map((r) => r.key))),
    );
    taken.add(runKey()).add(env.catalog.data.courses[2]!.course_runs[0]!.key);
    const key = env.catalog.data.courses
      .flatMap((c) => c.course_runs.map((r) => r.key))
      .find((runKey) => !taken.has(runKey)) as string;
    const hex = await award('patient', key);
    expect((await page(hex)).statusCode).toBe(200);
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const config = await api(
      'PATCH',
      `/api/v2/course_certificates/${encodeURIComponent(key)}/?certificate_type=verified`,
      {
        certificate_available_date: later,
      },
    );
    expect(config.statusCode).toBe(200);
    expect((await page(hex)).statusCode).toBe(404);
  });

  it('shows the configured title, language (right to left for Arabic) and signatories', async () => {
    const key = env.catalog.data.courses[2]!.course_runs[0]!.key;
    const signatory = await api('POST', '/api/v2/signatories/', {
      name: 'Dr. Amal Haddad',
      title: 'Dean of Studies',
      organization_name_override: 'Faculty of Science',
    });
    expect(signatory.statusCode).toBe(201);
    const created = await api('POST', '/api/v2/course_certificates/', {
      course_id: key,
      certificate_type: 'verified',
      title: 'علوم البيانات',
      language: 'ar',
      signatories: [signatory.json().uuid],
    });
    expect(created.statusCode).toBe(201);
    const html = (await page(await award('layla', key))).body;
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain('شهادة إنجاز');
    expect(html).toContain('علوم البيانات');
    expect(html).toContain('Dr. Amal Haddad');
    expect(html).toContain('Dean of Studies');
    expect(html).toContain('Faculty of Science');
  });

  it("uses the site's language when the configuration names none, matched on the primary subtag", async () => {
    await t.app.laurel.services.sites.update('localhost', { defaultLanguage: 'zh-CN' }, CLI_ACTOR);
    try {
      const html = (await page(await award('mei'))).body;
      expect(html).toContain('<html lang="zh" dir="ltr">');
      expect(html).toContain('结业证书');
    } finally {
      await t.app.laurel.services.sites.update('localhost', { defaultLanguage: 'en' }, CLI_ACTOR);
    }
  });

  it('shows a program certificate, dated by its courses, under the program type', async () => {
    const program = env.catalog.data.programs[0]!;
    expect(
      (await api('POST', '/api/v2/program_certificates/', { program_uuid: program.uuid })).statusCode,
    ).toBe(201);
    const programKey = program.courses[0]!.course_runs[0]!.key;
    await award('lin', programKey);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/',
      headers: lms,
      payload: { username: 'lin', credential: { program_uuid: program.uuid }, status: 'awarded' },
    });
    expect(response.statusCode).toBe(201);
    const html = (await page(response.json().uuid.replace(/-/g, ''))).body;
    expect(html).toContain(escaped(program.title));
    expect(html).toContain(escaped(program.type));
    expect(html).toContain('has successfully completed all courses of the program');
  });

  it('does not show a program certificate that no course of its learner dates yet', async () => {
    const program = env.catalog.data.programs[0]!;
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/',
      headers: lms,
      payload: { username: 'undated', credential: { program_uuid: program.uuid }, status: 'awarded' },
    });
    expect(response.statusCode).toBe(201);
    expect((await page(response.json().uuid.replace(/-/g, ''))).statusCode).toBe(404);
  });
});

describe('certificate PDFs where no Chromium is installed', () => {
  let env: ApiEnv;
  beforeAll(async () => {
    env = await startApiEnv({ CHROMIUM_PATH: '/nonexistent/chromium' });
  });
  afterAll(() => env?.close());

  it('hides the PDF link and answers 503', async () => {
    const issued = await env.t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/',
      headers: await env.as('lms_worker'),
      payload: {
        username: 'paperless',
        credential: { course_run_key: env.catalog.data.courses[0]!.course_runs[0]!.key, mode: 'verified' },
      },
    });
    const hex = (issued.json().uuid as string).replace(/-/g, '');
    const owner = await env.t.app.inject({
      method: 'GET',
      url: `/credentials/${hex}/`,
      headers: await env.as('paperless'),
    });
    expect(owner.body).toContain('class="owner-banner');
    expect(owner.body).not.toContain('/pdf');
    const pdf = await env.t.app.inject({ method: 'GET', url: `/credentials/${hex}/pdf` });
    expect(pdf.statusCode).toBe(503);
    expect(pdf.json()).toEqual({ detail: 'This server cannot print PDFs: no Chromium is installed.' });
  });
});
