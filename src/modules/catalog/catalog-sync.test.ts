import { sql } from 'drizzle-orm';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CatalogData,
  type FakeCatalog,
  fixtureCatalog,
  startFakeCatalog,
} from '../../../test/fake-upstream/catalog.ts';
import { type LaurelWithLms, startLaurelWithLms } from '../../../test/helpers/laurel-with-lms.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';
import type { SyncReport } from './catalog-sync.ts';

const iso = (value: string | null) => (value ? `${new Date(value).toISOString().slice(0, 19)}Z` : null);

/** The catalog as Laurel's read API should show it, built from what the catalog service serves. */
function expectedFrom(data: CatalogData) {
  const orgs = data.organizations.map((o) => ({
    uuid: o.uuid,
    key: o.key,
    name: o.name,
    certificate_logo_image_url: o.certificate_logo_image_url,
    // Uploaded to Laurel, never copied from the catalog service.
    certificate_logo: null,
    certificate_logo_url: null,
    retired: false,
  }));
  const courses = data.courses.map((c) => ({
    uuid: c.uuid,
    key: c.key,
    title: c.title,
    owners: c.owners.map((o) => ({
      uuid: o.uuid,
      key: o.key,
      name: data.organizations.find((org) => org.uuid === o.uuid)?.name,
    })),
    course_runs: c.course_runs.map((r) => ({
      uuid: r.uuid,
      key: r.key,
      title: r.title,
      start: iso(r.start),
      end: iso(r.end),
      hidden: r.hidden,
      retired: false,
    })),
    retired: false,
  }));
  const courseOfRun = new Map(
    data.courses.flatMap((c) => c.course_runs.map((r) => [r.uuid, c.uuid] as const)),
  );
  const programs = data.programs.map((p) => ({
    uuid: p.uuid,
    title: p.title,
    type: p.type,
    type_slug: p.type_attrs.slug,
    status: p.status,
    total_hours_of_effort: p.total_hours_of_effort,
    authoring_organizations: p.authoring_organizations.map((o) => ({
      uuid: o.uuid,
      key: o.key,
      name: data.organizations.find((org) => org.uuid === o.uuid)?.name,
    })),
    course_runs: p.courses.flatMap((c) =>
      c.course_runs.map((r) => ({ uuid: r.uuid, key: r.key, course_uuid: courseOfRun.get(r.uuid) })),
    ),
    retired: false,
  }));
  const pathways = data.pathways.map((p) => ({
    uuid: p.uuid,
    name: p.name,
    org_name: p.org_name,
    email: p.email,
    pathway_type: p.pathway_type,
    status: p.status,
    programs: p.programs.map((program) => program.uuid),
    retired: false,
  }));
  return { orgs, courses, programs, pathways };
}

describe('catalog sync', () => {
  let env: LaurelWithLms;
  let catalog: FakeCatalog;
  let adminToken: string;

  beforeAll(async () => {
    env = await startLaurelWithLms({ UPSTREAM_TIMEOUT_SECONDS: '1', UPSTREAM_RETRIES: '1' });
    const keys = createRemoteJWKSet(new URL(env.lms.jwksUri));
    // The catalog service, like Discovery, only answers callers with a valid LMS token.
    catalog = await startFakeCatalog({
      requireToken: async (authorization) => {
        const token = /^JWT (.+)$/.exec(authorization ?? '')?.[1];
        if (!token) return false;
        return jwtVerify(token, keys, { issuer: env.lms.issuer }).then(
          () => true,
          () => false,
        );
      },
    });
    await env.app.laurel.services.sites.update('localhost', { catalogApiUrl: catalog.apiUrl }, CLI_ACTOR);
    adminToken = await env.lms.mintToken({ preferred_username: 'edx', administrator: true });
  });
  afterAll(async () => {
    await catalog?.stop();
    await env?.close();
  });

  const site = () => env.app.laurel.services.sites.getByDomain('localhost');
  const sync = async (options: { delete?: boolean; pageSize?: number } = {}): Promise<SyncReport> =>
    env.app.laurel.services.catalog.syncSite(await site(), { pageSize: 3, ...options }, CLI_ACTOR);

  /** Every item of a list of the read API, following its pages. */
  async function all(path: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let url: string | null = `/api/v2/catalog/${path}/`;
    while (url) {
      const response: {
        statusCode: number;
        body: string;
        json(): { results: unknown[]; next: string | null };
      } = await env.app.inject({ url, headers: { authorization: `JWT ${adminToken}` } });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      items.push(...body.results);
      url = body.next ? new URL(body.next).pathname + new URL(body.next).search : null;
    }
    return items;
  }

  async function expectReproduced(data: CatalogData) {
    const expected = expectedFrom(data);
    expect(await all('organizations')).toEqual(expected.orgs);
    expect(await all('courses')).toEqual(expected.courses);
    expect(await all('programs')).toEqual(expected.programs);
    expect(await all('pathways')).toEqual(expected.pathways);
    const runs = expected.courses.flatMap((c) =>
      c.course_runs.map((r) => ({ ...r, course: { uuid: c.uuid, key: c.key } })),
    );
    expect(await all('course_runs')).toEqual(runs);
  }

  it('copies the whole catalog exactly, every field and every order, with a service token', async () => {
    const report = await sync();
    expect(report).toMatchObject({ complete: true, error: null, itemErrors: [], pendingDeletions: [] });
    const runs = catalog.data.courses.flatMap((c) => c.course_runs).length;
    expect(report.tallies).toMatchObject({
      organizations: { created: 3, updated: 0, unchanged: 0 },
      courses: { created: 10 },
      course_runs: { created: runs },
      programs: { created: 4 },
      pathways: { created: 2 },
    });
    await expectReproduced(catalog.data);
    expect(catalog.requests.every((request) => request.authorization?.startsWith('JWT '))).toBe(true);
    expect(catalog.requests.some((request) => request.path.includes('include_hidden_course_runs=1'))).toBe(
      true,
    );
  });

  it('finds everything unchanged the second time, and writes nothing', async () => {
    const report = await sync({ pageSize: 500 });
    for (const tally of Object.values(report.tallies)) {
      expect(tally).toMatchObject({ created: 0, updated: 0, deleted: 0, retired: 0, failed: 0 });
    }
    expect(report.tallies.programs.unchanged).toBe(4);
    expect(report.tallies.course_runs.unchanged).toBe(
      catalog.data.courses.flatMap((c) => c.course_runs).length,
    );
  });

  it('picks up changes upstream: renamed, reordered, added, relinked', async () => {
    const data = catalog.data;
    data.organizations[0]!.name = 'Harvard University (renamed)';
    const program = data.programs[0]!;
    program.courses.reverse();
    program.authoring_organizations.reverse();
    data.courses.push({
      uuid: 'f3a4c5d6-0000-4000-8000-000000000001',
      key: 'HarvardX+NEW101',
      title: 'A new course',
      owners: [
        {
          uuid: data.organizations[0]!.uuid,
          key: data.organizations[0]!.key,
          name: data.organizations[0]!.name,
        },
      ],
      course_runs: [
        {
          uuid: 'f3a4c5d6-0000-4000-8000-000000000002',
          key: 'course-v1:HarvardX+NEW101+2027T1',
          title: 'A new course',
          start: '2027-01-10T00:00:00Z',
          end: null,
          status: 'published',
          hidden: false,
          type: 'verified',
        },
      ],
    });
    data.pathways[0]!.programs = data.pathways[0]!.programs.slice(0, 1);
    const report = await sync();
    expect(report.itemErrors).toEqual([]);
    expect(report.tallies).toMatchObject({
      organizations: { updated: 1, unchanged: 2 },
      courses: { created: 1, unchanged: 10 },
      programs: { updated: 1, unchanged: 3 },
      pathways: { updated: 1, unchanged: 1 },
    });
    await expectReproduced(data);
  });

  describe('items gone upstream', () => {
    let removedPathway: string;
    let usedProgram: string;

    beforeAll(async () => {
      const data = catalog.data;
      removedPathway = data.pathways.pop()!.uuid;
      usedProgram = data.programs[3]!.uuid;
      // Something here uses that program: a credential configuration.
      const siteId = (await site()).id;
      await env.app.laurel.database.db.execute(sql`
        insert into credential_configs (site_id, uuid, kind, program_id)
        select ${siteId}, gen_random_uuid(), 'program', id from programs where uuid = ${usedProgram}`);
      data.programs.splice(3, 1);
      for (const pathway of data.pathways)
        pathway.programs = pathway.programs.filter((p) => p.uuid !== usedProgram);
    });

    it('are only listed without --delete, and nothing is removed', async () => {
      const report = await sync();
      expect(report.pendingDeletions.map((item) => [item.table, item.uuid])).toEqual([
        ['pathways', removedPathway],
        ['programs', usedProgram],
      ]);
      expect((await all('pathways')).length).toBe(2);
    });

    it('are deleted with --delete, except what is still used, which is retired and reported', async () => {
      const report = await sync({ delete: true });
      expect(report.tallies.pathways.deleted).toBe(1);
      expect(report.tallies.programs).toMatchObject({ deleted: 0, retired: 1 });
      expect(report.retired).toEqual([expect.objectContaining({ table: 'programs', uuid: usedProgram })]);
      expect((await all('pathways')).map((p) => (p as { uuid: string }).uuid)).not.toContain(removedPathway);
      expect(await all('programs')).toContainEqual(
        expect.objectContaining({ uuid: usedProgram, retired: true }),
      );
      expect((await sync({ delete: true })).pendingDeletions).toEqual([]);
    });

    it('come back to life when they reappear upstream', async () => {
      catalog.data.programs.push(fixtureCatalog().programs[3]!);
      const report = await sync();
      expect(report.tallies.programs.updated).toBe(1);
      expect(await all('programs')).toContainEqual(
        expect.objectContaining({ uuid: usedProgram, retired: false }),
      );
    });
  });

  describe('when the catalog service misbehaves', () => {
    const counts = async () => {
      const rows = await env.app.laurel.database.db.execute(sql`
        select (select count(*) from organizations)::int as orgs, (select count(*) from courses)::int as courses,
               (select count(*) from programs)::int as programs, (select count(*) from program_course_runs)::int as links`);
      return (rows as unknown as { rows: unknown[] }).rows[0];
    };
    let before: unknown;
    beforeAll(async () => {
      before = await counts();
    });

    it('stops on a 500 mid-way, says where, keeps what was copied and deletes nothing', async () => {
      catalog.fail({ resource: 'courses', page: 2, kind: 'status', status: 500 });
      catalog.data.programs.pop();
      const report = await sync({ delete: true });
      catalog.clearFailures();
      expect(report.complete).toBe(false);
      expect(report.error).toContain('HTTP 500 for courses page 2');
      expect(report.tallies.organizations.unchanged).toBe(3);
      expect(report.tallies.programs).toMatchObject({ deleted: 0, retired: 0 });
      expect(await counts()).toEqual(before);
      catalog.data.programs.push(fixtureCatalog().programs[3]!);
    });

    it('retries a passing failure and succeeds', async () => {
      catalog.fail({ resource: 'programs', page: 1, kind: 'status', status: 503, times: 1 });
      const report = await sync();
      expect(report).toMatchObject({ complete: true, error: null });
    });

    it('stops on a timeout and says so', async () => {
      catalog.fail({ resource: 'pathways', kind: 'timeout' });
      const report = await sync();
      catalog.clearFailures();
      expect(report.complete).toBe(false);
      expect(report.error).toMatch(/pathways.*timed out/);
    });

    it('stops on a malformed page and says which', async () => {
      catalog.fail({ resource: 'programs', page: 1, kind: 'malformed' });
      const report = await sync();
      catalog.clearFailures();
      expect(report.error).toBe('The catalog service sent malformed JSON for programs page 1.');
      expect(await counts()).toEqual(before);
    });

    it('names items with missing fields, copies the rest, and never deletes them', async () => {
      const renamed = catalog.data.organizations[1]!;
      renamed.name = 'MIT (renamed again)';
      catalog.fail({ resource: 'courses', page: 1, kind: 'drop-field', field: 'key' });
      const report = await sync({ delete: true });
      catalog.clearFailures();
      expect(report.itemErrors).toHaveLength(3);
      expect(report.itemErrors[0]).toMatch(/^course .+: missing "key"$/);
      expect(report.tallies.courses).toMatchObject({ failed: 3, deleted: 0, retired: 0 });
      expect(report.tallies.organizations.updated).toBe(1);
      expect(await counts()).toEqual(before);
    });

    it('names an item the database refuses, and still saves the others of its page', async () => {
      const [first, second] = catalog.data.courses;
      // Two runs may not share a key: the second course's run takes the first course's run key.
      const ownKey = second!.course_runs[0]!.key;
      second!.course_runs[0]!.key = first!.course_runs[0]!.key;
      second!.title = 'Clashing course';
      first!.title = 'Renamed alongside';
      const report = await sync({ pageSize: 500 });
      expect(report.itemErrors).toHaveLength(1);
      expect(
        report.itemErrors[0]!.startsWith(`course ${second!.key} (${second!.uuid}): could not be saved`),
      ).toBe(true);
      expect(report.tallies.courses).toMatchObject({ updated: 1, failed: 1 });
      const courses = (await all('courses')) as { uuid: string; title: string }[];
      expect(courses.find((c) => c.uuid === first!.uuid)?.title).toBe('Renamed alongside');
      expect(courses.find((c) => c.uuid === second!.uuid)?.title).not.toBe('Clashing course');
      second!.course_runs[0]!.key = ownKey;
      expect((await sync()).itemErrors).toEqual([]);
    });

    it('names a program that refers to a run it does not know, and writes nothing of it', async () => {
      const program = catalog.data.programs[0]!;
      program.title = 'Changed title';
      program.courses[0]!.course_runs.push({
        uuid: 'a0a0a0a0-0000-4000-8000-00000000dead',
        key: 'course-v1:X+Y+Z',
        title: 'Ghost',
        start: null,
        end: null,
      });
      const report = await sync();
      expect(report.itemErrors).toEqual([
        `program Changed title (${program.uuid}): refers to unknown course run a0a0a0a0-0000-4000-8000-00000000dead`,
      ]);
      expect(await all('programs')).not.toContainEqual(expect.objectContaining({ title: 'Changed title' }));
    });
  });
});
