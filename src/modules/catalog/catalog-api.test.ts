import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeCatalog, startFakeCatalog } from '../../../test/fake-upstream/catalog.ts';
import { type LaurelWithLms, startLaurelWithLms } from '../../../test/helpers/laurel-with-lms.ts';
import { waitFor } from '../../../test/helpers/wait.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';

describe('catalog API', () => {
  let env: LaurelWithLms;
  let catalog: FakeCatalog;
  let admin: Record<string, string>;

  beforeAll(async () => {
    env = await startLaurelWithLms();
    catalog = await startFakeCatalog();
    const { sites } = env.app.laurel.services;
    await sites.update('localhost', { catalogApiUrl: catalog.apiUrl }, CLI_ACTOR);
    await sites.create(
      { domain: 'other.example.org', name: 'Other', catalogApiUrl: catalog.apiUrl },
      CLI_ACTOR,
    );
    admin = {
      authorization: `JWT ${await env.lms.mintToken({ preferred_username: 'edx', administrator: true })}`,
    };
  });
  afterAll(async () => {
    await catalog?.stop();
    await env?.close();
  });

  const get = (url: string, host = 'localhost') => env.app.inject({ url, headers: { ...admin, host } });

  it('queues a sync, reports its state, and shows the report once done', async () => {
    const queued = await env.app.inject({
      method: 'POST',
      url: '/api/v2/catalog/sync/',
      headers: admin,
      payload: { page_size: 4 },
    });
    expect(queued.statusCode).toBe(202);
    const { id } = queued.json();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    await waitFor(
      async () => (await get(`/api/v2/catalog/sync/${id}/`)).json().state === 'completed',
      'the sync job',
    );
    const done = (await get(`/api/v2/catalog/sync/${id}/`)).json();
    expect(done).toMatchObject({
      id,
      state: 'completed',
      retries: 0,
      report: { site: 'localhost', complete: true },
    });
    expect(done.report.tallies.programs.created).toBe(4);
    expect(catalog.requests.some((request) => request.path.includes('page_size=4'))).toBe(true);
  });

  it("never shows one site's sync job to another site", async () => {
    const queued = await env.app.inject({
      method: 'POST',
      url: '/api/v2/catalog/sync/',
      headers: admin,
      payload: {},
    });
    const response = await get(`/api/v2/catalog/sync/${queued.json().id}/`, 'other.example.org');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Not found.' });
  });

  it('refuses bad sync options', async () => {
    for (const payload of [{ page_size: 0 }, { page_size: 501 }, { delete: 'yes' }, { colour: 'red' }]) {
      const response = await env.app.inject({
        method: 'POST',
        url: '/api/v2/catalog/sync/',
        headers: admin,
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect((await get('/api/v2/catalog/sync/not-a-job/')).statusCode).toBe(404);
  });

  it("lists only this site's copy of the catalog", async () => {
    expect((await get('/api/v2/catalog/programs/')).json().count).toBe(4);
    expect((await get('/api/v2/catalog/programs/', 'other.example.org')).json().count).toBe(0);
  });

  it('filters and paginates the lists', async () => {
    const data = catalog.data;
    const program = data.programs[0]!;
    const byType = (await get(`/api/v2/catalog/programs/?type_slug=${program.type_attrs.slug}`)).json();
    expect(byType.results.map((p: { uuid: string }) => p.uuid)).toEqual([program.uuid]);

    const org = data.organizations[0]!;
    const owned = data.courses.filter((course) => course.owners.some((owner) => owner.uuid === org.uuid));
    const courses = (await get(`/api/v2/catalog/courses/?organization=${org.uuid}`)).json();
    expect(courses.results.map((c: { uuid: string }) => c.uuid)).toEqual(owned.map((c) => c.uuid));

    const course = data.courses[0]!;
    const runs = (await get(`/api/v2/catalog/course_runs/?course=${course.uuid}`)).json();
    expect(runs.results.map((r: { key: string }) => r.key)).toEqual(course.course_runs.map((r) => r.key));
    expect(
      (await get(`/api/v2/catalog/course_runs/?key=${encodeURIComponent(course.course_runs[0]!.key)}`)).json()
        .count,
    ).toBe(1);

    const credit = (await get('/api/v2/catalog/pathways/?pathway_type=credit')).json();
    expect(credit.results.every((p: { pathway_type: string }) => p.pathway_type === 'credit')).toBe(true);

    // Pages of 20, as DRF: the fixture's 17 runs fit on one, so there is no second.
    const all = data.courses.flatMap((c) => c.course_runs).length;
    expect(all).toBeLessThan(20);
    const first = (await get('/api/v2/catalog/course_runs/')).json();
    expect(first).toMatchObject({ count: all, previous: null, next: null });
    expect(first.results).toHaveLength(all);
    const second = await get('/api/v2/catalog/course_runs/?page=2');
    expect(second.statusCode).toBe(404);
    expect(second.json()).toEqual({ detail: 'Invalid page.' });
  });

  it.each(['organization=not-a-uuid', 'status=bogus', 'colour=red', `key=${'x'.repeat(300)}`])(
    'refuses the filter %s with a 400 naming it',
    async (query) => {
      const response = await get(
        `/api/v2/catalog/${query.startsWith('status') ? 'programs' : 'courses'}/?${query}`,
      );
      expect(response.statusCode).toBe(400);
      expect(Object.keys(response.json()).length).toBeGreaterThan(0);
    },
  );
});
