/**
 * Hostile and unusual requests to the certificate endpoints (templates, assets, pages): each gets a
 * clear 4xx or the documented answer, never a 500, and what a refused request sent is not stored.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';

const NOT_FOUND_TEXT = 'There is no certificate at this address.';

describe('certificate endpoints under hostile or unusual requests', () => {
  let env: ApiEnv;
  let t: TestApp;
  let staff: Record<string, string>;
  let courseIndex = 0;

  beforeAll(async () => {
    env = await startApiEnv();
    t = env.t;
    await t.app.laurel.services.sites.create({ domain: 'other.example.org', name: 'Other' }, CLI_ACTOR);
    staff = await env.as('staff', { administrator: true });
  });
  afterAll(() => env?.close());

  type Method = 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE';
  const call = (method: Method, url: string, payload?: object, headers: Record<string, string> = {}) =>
    t.app.inject({ method, url, headers: { ...staff, ...headers }, ...(payload && { payload }) });
  const get = (url: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url, headers });
  const createTemplate = (payload: Record<string, unknown>) => call('POST', '/api/v2/templates/', payload);
  const templateCount = async () => (await call('GET', '/api/v2/templates/')).json().count as number;
  /** The learner signs in once with their LMS token, which records their name. */
  const nameLearner = async (username: string, name: string) =>
    get('/api/v2/users/me/', await env.as(username, { name }));
  /** Awards a course-run credential (a different course each time); answers its 32-hex certificate id. */
  async function award(username: string): Promise<string> {
    const { courses } = env.catalog.data;
    const uuid = await env.award(username, courses[courseIndex++ % courses.length]!.course_runs[0]!.key);
    return uuid.replace(/-/g, '');
  }

  it('refuses a template body containing a NUL character with 400, on create and on update', async () => {
    const before = await templateCount();
    const created = await createTemplate({
      part: 'footer',
      scope: 'site',
      body: '<footer>a\u0000b</footer>',
    });
    expect(created.statusCode).toBe(400);
    expect(created.json()).toEqual({ body: [expect.any(String)] });
    expect(await templateCount()).toBe(before);

    const stored = await createTemplate({ part: 'footer', scope: 'site', body: '<footer>ok</footer>' });
    expect(stored.statusCode).toBe(201);
    const url = `/api/v2/templates/${stored.json().uuid}/`;
    try {
      const patched = await call('PATCH', url, { body: '<footer>a\u0000b</footer>' });
      expect(patched.statusCode).toBe(400);
      expect((await call('GET', url)).json()).toMatchObject({ version: 1, body: '<footer>ok</footer>' });
    } finally {
      await call('DELETE', url);
    }
  });

  it('stores a template body exactly as it answered it, or refuses ill-formed Unicode', async () => {
    const body = '<header>a\ud800b</header>';
    const created = await createTemplate({ part: 'header', scope: 'site', body });
    expect([201, 400]).toContain(created.statusCode);
    if (created.statusCode !== 201) return;
    const url = `/api/v2/templates/${created.json().uuid}/`;
    try {
      expect(created.json().body).toBe(body);
      expect((await call('GET', url)).json().body).toBe(created.json().body);
      const again = await call('PATCH', url, { body });
      expect(again.json().version).toBe(1);
    } finally {
      await call('DELETE', url);
    }
  });

  it("refuses includes of names that are not parts, such as 'constructor' or '__proto__'", async () => {
    for (const name of ['constructor', '__proto__', 'toString']) {
      const created = await createTemplate({
        part: 'header',
        scope: 'site',
        body: `{% include '${name}' %}`,
      });
      if (created.statusCode === 201) await call('DELETE', `/api/v2/templates/${created.json().uuid}/`);
      expect(created.statusCode, name).toBe(400);
      const preview = await call('POST', '/api/v2/templates/preview/', { body: `{% render '${name}' %}` });
      expect(preview.statusCode, name).toBe(400);
      expect(preview.body).not.toContain('[native code]');
    }
  });

  it('reports a stored template that fails in a preview under `template`, not `body`', async () => {
    // Checked on programs only (program-type scope), so this fails only on a course-run.
    const created = await createTemplate({
      part: 'certificate',
      scope: 'program-type',
      scope_key: 'professional-certificate',
      body: "{% if certificate.kind == 'course-run' %}{% include 'sidebar' %}{% endif %}ok",
    });
    expect(created.statusCode).toBe(201);
    try {
      const preview = await call('POST', '/api/v2/templates/preview/', {
        template: created.json().uuid,
        kind: 'course-run',
      });
      expect(preview.statusCode).toBe(400);
      expect(Object.keys(preview.json())).toEqual(['template']);
    } finally {
      await call('DELETE', `/api/v2/templates/${created.json().uuid}/`);
    }
  });

  it('answers the same 404 page for an id longer than 64 characters', async () => {
    for (const suffix of ['/', '/card.png', '/pdf']) {
      const response = await get(`/credentials/${'a'.repeat(65)}${suffix}`);
      expect(response.statusCode, suffix).toBe(404);
      expect(response.headers['content-type'], suffix).toBe('text/html; charset=utf-8');
      expect(response.body, suffix).toContain(NOT_FOUND_TEXT);
    }
  });

  it('answers a Host header with an invalid port with 400, never 500', async () => {
    const hex = await award('host-probe');
    const urls = [`/credentials/${hex}/`, `/credentials/${hex}/card.png`, '/credentials/example/'];
    for (const url of urls) {
      expect((await get(url, { host: 'localhost:abc' })).statusCode, url).toBe(400);
      expect((await get(url, { host: 'localhost:99999' })).statusCode, url).toBeLessThan(500);
    }
    const preview = await call(
      'POST',
      '/api/v2/templates/preview/',
      { kind: 'program' },
      { host: 'localhost:abc' },
    );
    expect(preview.statusCode).toBe(400);
  });

  it('answers a malformed percent-encoded path in the service error shape', async () => {
    const response = await get('/credentials/%E0%A4%A/');
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(response.json()).toEqual({ detail: expect.any(String) });
  });

  it("draws the social card whatever characters the learner's name holds", async () => {
    for (const [username, name] of [
      ['card-ctrl', 'Ada\u0001Love\u000blace'],
      ['card-nonchar', 'Bob \ufffe Builder'],
    ] as const) {
      await nameLearner(username, name);
      const hex = await award(username);
      expect((await get(`/credentials/${hex}/`)).statusCode).toBe(200);
      const card = await get(`/credentials/${hex}/card.png`);
      expect(card.statusCode, name).toBe(200);
      expect(card.headers['content-type']).toBe('image/png');
    }
  });

  it("shows the owner's banner with their name as it is, `$` included", async () => {
    const name = 'Jo $$ Bloggs $` end';
    await nameLearner('dollar', name);
    const hex = await award('dollar');
    const owner = await get(`/credentials/${hex}/`, await env.as('dollar', { name }));
    expect(owner.statusCode).toBe(200);
    expect(owner.body).toContain('class="owner-banner');
    expect(owner.body).toContain('<h2 id="owner-banner-heading">Congratulations, Jo $$ Bloggs $` end!</h2>');
    expect(owner.body.match(/<!doctype html>/gi)).toHaveLength(1);
  });

  it("gives the owner's copy a new validator when its banner changes", async () => {
    const hex = await award('sharer');
    const owner = await env.as('sharer');
    const first = await get(`/credentials/${hex}/`, owner);
    expect(first.body).toContain('linkedin.com');
    await t.app.laurel.services.sites.update('localhost', { enableLinkedinSharing: false }, CLI_ACTOR);
    try {
      const changed = await get(`/credentials/${hex}/`, owner);
      expect(changed.body).not.toContain('linkedin.com');
      expect(changed.headers.etag).not.toBe(first.headers.etag);
      const revalidated = await get(`/credentials/${hex}/`, {
        ...owner,
        'if-none-match': first.headers.etag as string,
      });
      expect(revalidated.statusCode).toBe(200);
      expect(revalidated.body).not.toContain('linkedin.com');
    } finally {
      await t.app.laurel.services.sites.update('localhost', { enableLinkedinSharing: true }, CLI_ACTOR);
    }
  });

  it('answers 304 to If-None-Match given as W/"etag", as a list, or as *', async () => {
    const hex = await award('conditional');
    const page = await get(`/credentials/${hex}/`);
    const png = await sharp({ create: { width: 12, height: 12, channels: 3, background: '#345' } })
      .png()
      .toBuffer();
    const asset = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v2/assets/',
        headers: { ...staff, 'content-type': 'image/png' },
        payload: png,
      })
    ).json();
    const served = await get(`/assets/${asset.sha256}`);
    for (const [url, etag] of [
      [`/credentials/${hex}/`, page.headers.etag as string],
      [`/assets/${asset.sha256}`, served.headers.etag as string],
    ] as const) {
      for (const value of [`W/${etag}`, `"other", ${etag}`, '*']) {
        const response = await get(url, { 'if-none-match': value });
        expect(response.statusCode, `${url} ${value}`).toBe(304);
      }
    }
  });

  // SVG uploads naming local files, network addresses or XInclude load
  // nothing: the rasterized PNG is blank.
  it('rasterizes SVGs with external references without loading them', async () => {
    const svgs = [
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100"><image width="100" height="100" xlink:href="file:///work/main/docs/images/social-card.png"/></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><image width="100" height="100" href="http://127.0.0.1:1/x.png"/></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xi="http://www.w3.org/2001/XInclude" width="100" height="100"><text y="50"><xi:include href="/etc/passwd" parse="text"/></text></svg>',
    ];
    for (const svg of svgs) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v2/assets/',
        headers: { ...staff, 'content-type': 'image/svg+xml' },
        payload: Buffer.from(svg),
      });
      expect(response.statusCode).toBeLessThan(300);
      const stored = await get(`/assets/${response.json().sha256}`);
      const stats = await sharp(stored.rawPayload).stats();
      for (const channel of stats.channels) expect(channel.max).toBe(0);
    }
  });

  // Repeated query parameters are a 400, never a 500 or a silent pick.
  it('refuses query parameters given twice', async () => {
    const hex = await award('arrays');
    for (const url of [
      `/credentials/${hex}/pdf?paper=a4&paper=letter`,
      '/credentials/example/?kind=program&kind=course-run',
      '/api/v2/templates/?part=header&part=footer',
      '/api/v2/assets/?page=1&page=2',
    ]) {
      const response = await call('GET', url);
      expect(response.statusCode, url).toBe(400);
    }
  });

  // Concurrent saves of one template each get their own version; concurrent
  // creates of one part and scope give one 201 and one 409; restores of nonsense versions are 400/404.
  it('keeps versions consistent under concurrent saves and refuses odd restores', async () => {
    const created = await createTemplate({ part: 'signatories', scope: 'site', body: '<p>v1</p>' });
    const url = `/api/v2/templates/${created.json().uuid}/`;
    try {
      const saves = await Promise.all([2, 3, 4, 5].map((n) => call('PATCH', url, { body: `<p>v${n}</p>` })));
      expect(saves.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
      expect(saves.map((r) => r.json().version).sort()).toEqual([2, 3, 4, 5]);
      expect((await call('GET', `${url}versions/`)).json().count).toBe(5);
      const duplicates = await Promise.all(
        [1, 2].map(() => createTemplate({ part: 'signatories', scope: 'site', body: '<p>dup</p>' })),
      );
      expect(duplicates.map((r) => r.statusCode)).toEqual([409, 409]);
      for (const [version, status] of [
        ['0', 400],
        ['abc', 400],
        ['99999999999', 400],
        ['6', 404],
      ] as const)
        expect((await call('POST', `${url}versions/${version}/restore/`)).statusCode, version).toBe(status);
    } finally {
      await call('DELETE', url);
    }
  });

  // A preview with a credential of another site is refused like an unknown one.
  it("refuses to preview another site's credential", async () => {
    const hex = await award('other-site');
    const response = await call(
      'POST',
      '/api/v2/templates/preview/',
      { credential: hex },
      {
        host: 'other.example.org',
      },
    );
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ credential: ['No credential of this site has that UUID.'] });
  });
});
