import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CatalogData,
  type FakeCatalog,
  fixtureCatalog,
  generateCatalog,
  startFakeCatalog,
} from './catalog.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Page {
  count: number;
  next: string | null;
  previous: string | null;
  results: Record<string, unknown>[];
}

async function getJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: Page }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as Page };
}

const sortedKeys = (value: unknown) => Object.keys(value as object).sort();

/** Every UUID naming a catalog entity (type_attrs name program types, which programs share). */
function entityUuids(data: CatalogData): string[] {
  return [
    ...data.organizations.map((o) => o.uuid),
    ...data.courses.map((c) => c.uuid),
    ...data.courses.flatMap((c) => c.course_runs.map((r) => r.uuid)),
    ...data.programs.map((p) => p.uuid),
    ...data.pathways.map((p) => p.uuid),
  ];
}

describe('fixtureCatalog', () => {
  const data = fixtureCatalog();

  it('has 3 organizations, 10 courses, 4 programs and 2 pathways', () => {
    expect(data.organizations).toHaveLength(3);
    expect(data.courses).toHaveLength(10);
    expect(data.programs).toHaveLength(4);
    expect(data.pathways).toHaveLength(2);
  });

  it('gives every item the Discovery shape', () => {
    for (const o of data.organizations) {
      expect(sortedKeys(o)).toEqual(['certificate_logo_image_url', 'key', 'logo_image_url', 'name', 'uuid']);
      expect(o.logo_image_url).toBe(`https://catalog.example.org/logos/${o.key}.png`);
      expect(o.certificate_logo_image_url).toBe(`https://catalog.example.org/logos/${o.key}.png`);
    }
    for (const c of data.courses) {
      expect(sortedKeys(c)).toEqual(['course_runs', 'key', 'owners', 'title', 'uuid']);
      expect(c.owners.length).toBeGreaterThan(0);
      for (const owner of c.owners) expect(sortedKeys(owner)).toEqual(['key', 'name', 'uuid']);
      expect(c.course_runs.length).toBeGreaterThanOrEqual(1);
      expect(c.course_runs.length).toBeLessThanOrEqual(3);
      for (const run of c.course_runs) {
        expect(sortedKeys(run)).toEqual(['end', 'hidden', 'key', 'start', 'status', 'title', 'type', 'uuid']);
        expect(run.key.startsWith(`course-v1:${c.key}+`)).toBe(true);
        expect(['published', 'unpublished']).toContain(run.status);
        for (const date of [run.start, run.end]) if (date !== null) expect(Date.parse(date)).not.toBeNaN();
      }
    }
    for (const p of data.programs) {
      expect(sortedKeys(p)).toEqual([
        'authoring_organizations',
        'courses',
        'status',
        'title',
        'total_hours_of_effort',
        'type',
        'type_attrs',
        'uuid',
      ]);
      expect(sortedKeys(p.type_attrs)).toEqual(['slug', 'uuid']);
      expect(p.authoring_organizations.length).toBeGreaterThanOrEqual(1);
      expect(p.authoring_organizations.length).toBeLessThanOrEqual(2);
      for (const a of p.authoring_organizations)
        expect(sortedKeys(a)).toEqual(['certificate_logo_image_url', 'key', 'name', 'uuid']);
      for (const pc of p.courses) {
        expect(sortedKeys(pc)).toEqual(['course_runs', 'key', 'title', 'uuid']);
        const course = data.courses.find((c) => c.uuid === pc.uuid);
        expect(course?.key).toBe(pc.key);
        for (const run of pc.course_runs) {
          expect(sortedKeys(run)).toEqual(['end', 'key', 'start', 'title', 'uuid']);
          const held = course?.course_runs.find((r) => r.uuid === run.uuid);
          expect(
            held && { uuid: held.uuid, key: held.key, title: held.title, start: held.start, end: held.end },
          ).toEqual(run);
        }
      }
    }
    for (const w of data.pathways) {
      expect(sortedKeys(w)).toEqual([
        'destination_url',
        'email',
        'id',
        'name',
        'org_name',
        'pathway_type',
        'programs',
        'status',
        'uuid',
      ]);
      for (const linked of w.programs) {
        expect(sortedKeys(linked)).toEqual(['title', 'uuid']);
        expect(data.programs.find((p) => p.uuid === linked.uuid)?.title).toBe(linked.title);
      }
    }
  });

  it('covers the cases a sync must handle', () => {
    const runs = data.courses.flatMap((c) => c.course_runs);
    expect(runs.some((r) => r.hidden)).toBe(true);
    expect(runs.some((r) => r.status === 'unpublished')).toBe(true);
    expect(runs.map((r) => r.key)).toContain('course-v1:HarvardX+CS50+2026T1');
    expect(data.courses.map((c) => c.title)).toContain('Introducción a la programación');
    expect(new Set(data.programs.map((p) => p.type)).size).toBe(4);
    expect(data.programs.filter((p) => p.status === 'retired')).toHaveLength(1);
    expect(data.programs.some((p) => p.total_hours_of_effort === null)).toBe(true);
    expect(data.programs.some((p) => typeof p.total_hours_of_effort === 'number')).toBe(true);
    for (const p of data.programs) expect(p.courses.length).toBeGreaterThan(1);
    const credit = data.pathways.find((w) => w.pathway_type === 'credit');
    expect(credit?.email).toMatch(/@/);
    expect(data.pathways.some((w) => w.pathway_type === 'industry')).toBe(true);
  });

  it('uses valid, unique, fixed UUIDs and returns fresh objects on each call', () => {
    const uuids = entityUuids(data);
    for (const uuid of uuids) expect(uuid).toMatch(UUID_V4);
    expect(new Set(uuids).size).toBe(uuids.length);
    const again = fixtureCatalog();
    expect(again).toEqual(data);
    expect(again.courses[0]).not.toBe(data.courses[0]);
  });
});

describe('generateCatalog', () => {
  it('makes programs × runsPerProgram courses and runs, quickly, with valid unique UUIDs', () => {
    const started = performance.now();
    const data = generateCatalog({ programs: 10_000, runsPerProgram: 5 });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(data.programs).toHaveLength(10_000);
    expect(data.courses).toHaveLength(50_000);
    expect(data.courses.reduce((sum, c) => sum + c.course_runs.length, 0)).toBe(50_000);
    expect(data.organizations).toHaveLength(50);
    expect(data.pathways).toHaveLength(20);
    for (const p of data.programs) {
      expect(p.courses.flatMap((c) => c.course_runs)).toHaveLength(5);
      expect(p.type_attrs.uuid).toMatch(UUID_V4);
    }
    expect(new Set(data.programs.map((p) => p.type)).size).toBe(4);
    const uuids = entityUuids(data);
    expect(uuids).toHaveLength(50 + 50_000 + 50_000 + 10_000 + 20);
    expect(uuids.every((uuid) => UUID_V4.test(uuid))).toBe(true);
    expect(new Set(uuids).size).toBe(uuids.length);
    const runKeys = data.courses.flatMap((c) => c.course_runs.map((r) => r.key));
    expect(new Set(runKeys).size).toBe(runKeys.length);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const options = { programs: 200, runsPerProgram: 3, organizations: 7, pathways: 5 };
    const a = generateCatalog({ ...options, seed: 42 });
    expect(generateCatalog({ ...options, seed: 42 })).toEqual(a);
    const b = generateCatalog({ ...options, seed: 43 });
    expect(b.programs[0]?.uuid).not.toBe(a.programs[0]?.uuid);
    expect(a.organizations).toHaveLength(7);
    expect(a.pathways).toHaveLength(5);
    expect(a.courses).toHaveLength(600);
    for (const w of a.pathways) expect(w.programs.length).toBeGreaterThan(0);
  });
});

describe('startFakeCatalog', () => {
  let catalog: FakeCatalog;

  beforeAll(async () => {
    catalog = await startFakeCatalog();
  });
  afterAll(() => catalog.stop());
  afterEach(() => {
    catalog.clearFailures();
    catalog.data = fixtureCatalog();
  });

  it('serves the fixture by default under /api/v1/', async () => {
    expect(catalog.apiUrl).toBe(`${catalog.url}/api/v1/`);
    expect(catalog.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const [resource, count] of [
      ['organizations', 3],
      ['courses', 10],
      ['programs', 4],
      ['pathways', 2],
    ] as const) {
      const { status, body } = await getJson(`${catalog.apiUrl}${resource}/`);
      expect(status).toBe(200);
      expect(body).toEqual({ count, next: null, previous: null, results: catalog.data[resource] });
    }
  });

  it('paginates with absolute next and previous links that keep other query parameters', async () => {
    const first = await getJson(`${catalog.apiUrl}courses/?exclude_utm=1&page_size=4`);
    expect(first.body.count).toBe(10);
    expect(first.body.results.map((c) => c.uuid)).toEqual(
      catalog.data.courses.slice(0, 4).map((c) => c.uuid),
    );
    expect(first.body.previous).toBeNull();
    expect(first.body.next).toBe(`${catalog.apiUrl}courses/?exclude_utm=1&page_size=4&page=2`);

    const second = await getJson(first.body.next as string);
    expect(second.body.results.map((c) => c.uuid)).toEqual(
      catalog.data.courses.slice(4, 8).map((c) => c.uuid),
    );
    expect(second.body.previous).toBe(`${catalog.apiUrl}courses/?exclude_utm=1&page_size=4`);
    expect(second.body.next).toBe(`${catalog.apiUrl}courses/?exclude_utm=1&page_size=4&page=3`);

    const third = await getJson(second.body.next as string);
    expect(third.body.results).toHaveLength(2);
    expect(third.body.next).toBeNull();
    expect(third.body.previous).toBe(`${catalog.apiUrl}courses/?exclude_utm=1&page_size=4&page=2`);
  });

  it('walks every item in held order by following next links', async () => {
    catalog.data = generateCatalog({ programs: 30, runsPerProgram: 2 });
    const seen: unknown[] = [];
    let next: string | null = `${catalog.apiUrl}courses/?include_hidden_course_runs=1`;
    let pages = 0;
    while (next) {
      const { body }: { body: Page } = await getJson(next);
      expect(body.results.length).toBeLessThanOrEqual(20);
      seen.push(...body.results.map((c) => c.uuid));
      next = body.next;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(catalog.data.courses.map((c) => c.uuid));
  });

  it('defaults page_size to 20 and caps it at 500', async () => {
    catalog.data = generateCatalog({ programs: 200, runsPerProgram: 3 });
    const defaulted = await getJson(`${catalog.apiUrl}courses/`);
    expect(defaulted.body.results).toHaveLength(20);
    expect(defaulted.body.next).toBe(`${catalog.apiUrl}courses/?page=2`);
    const capped = await getJson(`${catalog.apiUrl}courses/?page_size=1000`);
    expect(capped.body.count).toBe(600);
    expect(capped.body.results).toHaveLength(500);
    expect(capped.body.next).toBe(`${catalog.apiUrl}courses/?page_size=1000&page=2`);
    const last = await getJson(capped.body.next as string);
    expect(last.body.results).toHaveLength(100);
    expect(last.body.next).toBeNull();
    const invalid = await getJson(`${catalog.apiUrl}courses/?page_size=lots`);
    expect(invalid.body.results).toHaveLength(20);
  });

  it('answers 404 for a page past the end or an invalid page, but serves an empty first page', async () => {
    for (const query of ['page=4&page_size=4', 'page=2', 'page=0', 'page=abc']) {
      const { status, body } = await getJson(`${catalog.apiUrl}courses/?${query}`);
      expect(status).toBe(404);
      expect(body).toEqual({ detail: 'Invalid page.' });
    }
    catalog.data.pathways = [];
    expect((await getJson(`${catalog.apiUrl}pathways/`)).body).toEqual({
      count: 0,
      next: null,
      previous: null,
      results: [],
    });
  });

  it('includes hidden runs whatever include_hidden_course_runs says', async () => {
    const { body } = await getJson(`${catalog.apiUrl}courses/?include_hidden_course_runs=0`);
    const runs = body.results.flatMap((c) => c.course_runs as { hidden: boolean }[]);
    expect(runs).toHaveLength(17);
    expect(runs.some((r) => r.hidden)).toBe(true);
  });

  it('answers 404 for unknown paths and 405 for other methods', async () => {
    expect((await fetch(`${catalog.apiUrl}widgets/`)).status).toBe(404);
    expect((await fetch(`${catalog.url}/api/v2/courses/`)).status).toBe(404);
    expect((await fetch(`${catalog.apiUrl}courses/`, { method: 'POST' })).status).toBe(405);
  });

  it('serves changes made to data', async () => {
    const course = catalog.data.courses[0];
    if (!course) throw new Error('no course');
    course.title = 'Renamed';
    catalog.data.organizations.push({
      uuid: 'b2edffe1-f51c-4038-91c2-3071029ecd38',
      key: 'NewX',
      name: 'New University',
      certificate_logo_image_url: null,
      logo_image_url: null,
    });
    expect((await getJson(`${catalog.apiUrl}courses/`)).body.results[0]?.title).toBe('Renamed');
    const organizations = (await getJson(`${catalog.apiUrl}organizations/`)).body;
    expect(organizations.count).toBe(4);
    expect(organizations.results.at(-1)?.key).toBe('NewX');

    catalog.data = { organizations: [], courses: [], programs: [], pathways: [] };
    expect((await getJson(`${catalog.apiUrl}programs/`)).body.count).toBe(0);
  });

  it('counts page requests per resource and records requests', async () => {
    const before = { ...catalog.counts };
    const start = catalog.requests.length;
    await fetch(`${catalog.apiUrl}programs/?page=1`, { headers: { authorization: 'JWT abc' } });
    await fetch(`${catalog.apiUrl}programs/?page=9`);
    await fetch(`${catalog.apiUrl}pathways/`);
    expect(catalog.counts).toEqual({
      ...before,
      programs: before.programs + 2,
      pathways: before.pathways + 1,
    });
    expect(catalog.requests.slice(start)).toEqual([
      { path: '/api/v1/programs/?page=1', authorization: 'JWT abc' },
      { path: '/api/v1/programs/?page=9' },
      { path: '/api/v1/pathways/' },
    ]);
  });

  describe('failures', () => {
    it('answers a status on the chosen page for the given number of times', async () => {
      catalog.fail({ resource: 'courses', page: 2, times: 2, kind: 'status', status: 503 });
      const page2 = `${catalog.apiUrl}courses/?page=2&page_size=4`;
      expect((await fetch(`${catalog.apiUrl}courses/?page_size=4`)).status).toBe(200);
      expect((await fetch(`${catalog.apiUrl}programs/?page=2&page_size=2`)).status).toBe(200);
      expect((await fetch(page2)).status).toBe(503);
      expect((await fetch(page2)).status).toBe(503);
      const recovered = await getJson(page2);
      expect(recovered.status).toBe(200);
      expect(recovered.body.results).toHaveLength(4);
    });

    it('applies rules in order, every page and forever by default, until cleared', async () => {
      catalog.fail({ resource: 'programs', times: 1, kind: 'status', status: 500 });
      catalog.fail({ resource: 'programs', kind: 'status', status: 502 });
      const statuses = [];
      for (const page of [1, 1, 2, 1])
        statuses.push((await fetch(`${catalog.apiUrl}programs/?page=${page}`)).status);
      expect(statuses).toEqual([500, 502, 502, 502]);
      catalog.clearFailures();
      expect((await fetch(`${catalog.apiUrl}programs/`)).status).toBe(200);
    });

    it('returns a truncated body for malformed', async () => {
      catalog.fail({ resource: 'organizations', times: 1, kind: 'malformed' });
      const response = await fetch(`${catalog.apiUrl}organizations/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      const text = await response.text();
      expect(text.startsWith('{"count":3')).toBe(true);
      expect(() => JSON.parse(text)).toThrow();
      expect((await getJson(`${catalog.apiUrl}organizations/`)).body.count).toBe(3);
    });

    it('drops a field from every item of the page for drop-field', async () => {
      catalog.fail({ resource: 'courses', page: 1, kind: 'drop-field', field: 'owners' });
      const first = await getJson(`${catalog.apiUrl}courses/?page_size=5`);
      expect(first.body.count).toBe(10);
      expect(first.body.results).toHaveLength(5);
      for (const course of first.body.results) {
        expect(course).not.toHaveProperty('owners');
        expect(course).toHaveProperty('uuid');
      }
      const second = await getJson(first.body.next as string);
      for (const course of second.body.results) expect(course).toHaveProperty('owners');
      expect(catalog.data.courses[0]).toHaveProperty('owners');
    });

    it('never answers for timeout, and stop() still closes promptly', async () => {
      const own = await startFakeCatalog();
      own.fail({ resource: 'pathways', times: 1, kind: 'timeout' });
      const hanging = fetch(`${own.apiUrl}pathways/`, { signal: AbortSignal.timeout(300) });
      await expect(hanging).rejects.toThrow();
      expect((await fetch(`${own.apiUrl}pathways/`)).status).toBe(200);

      own.fail({ resource: 'pathways', kind: 'timeout' });
      const pending = fetch(`${own.apiUrl}pathways/`).then(
        (r) => r.status,
        () => 'closed',
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = performance.now();
      await own.stop();
      expect(performance.now() - started).toBeLessThan(1000);
      expect(await pending).toBe('closed');
    });
  });
});

describe('startFakeCatalog with requireToken', () => {
  let catalog: FakeCatalog;
  const seen: (string | undefined)[] = [];

  beforeAll(async () => {
    catalog = await startFakeCatalog({
      data: generateCatalog({ programs: 3, runsPerProgram: 2, organizations: 2, pathways: 1, seed: 7 }),
      requireToken: async (authorization) => {
        seen.push(authorization);
        return authorization === 'JWT good-token';
      },
    });
  });
  afterAll(() => catalog.stop());

  it('answers 401 without a good token and serves with one', async () => {
    for (const headers of [{}, { authorization: 'JWT bad-token' }]) {
      const response = await getJson(`${catalog.apiUrl}programs/`, { headers });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ detail: 'Authentication credentials were not provided.' });
    }
    const ok = await getJson(`${catalog.apiUrl}programs/`, { headers: { authorization: 'JWT good-token' } });
    expect(ok.status).toBe(200);
    expect(ok.body.count).toBe(3);
    expect(seen).toEqual([undefined, 'JWT bad-token', 'JWT good-token']);
    expect(catalog.requests.map((r) => r.authorization)).toEqual([
      undefined,
      'JWT bad-token',
      'JWT good-token',
    ]);
  });
});
