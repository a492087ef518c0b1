import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CatalogProgram,
  type FakeCatalog,
  startFakeCatalog,
} from '../../../test/fake-upstream/catalog.ts';
import { type TestApp, createTestApp } from '../../../test/helpers/app.ts';
import { waitFor } from '../../../test/helpers/wait.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';

const ISSUER = {
  issuer: 'https://lms.example.org/oauth2',
  audience: 'laurel',
  secret: 'property-test-secret-0123456789ab',
};

/** Random award/revoke sequences keep the program credential equal to a from-scratch recomputation. */
describe('program completion over random histories', () => {
  let t: TestApp;
  let catalog: FakeCatalog;
  let program: CatalogProgram;
  let headers: Record<string, string>;
  let learner = 0;

  beforeAll(async () => {
    catalog = await startFakeCatalog();
    t = await createTestApp({
      JWT_ISSUERS: JSON.stringify([ISSUER]),
      SERVICE_USERS: JSON.stringify({ lms_worker: ['issuer'] }),
    });
    const { sites, catalog: catalogService } = t.app.laurel.services;
    const site = await sites.update(
      'localhost',
      { catalogApiUrl: catalog.apiUrl, revokeProgramsWithCourses: true },
      CLI_ACTOR,
    );
    await catalogService.syncSite(site, {}, CLI_ACTOR);
    program = catalog.data.programs.find((p) => new Set(p.courses.map((c) => c.uuid)).size >= 2)!;
    await t.database.db.execute(sql`
      insert into credential_configs (site_id, uuid, kind, program_id)
      select ${site.id}, gen_random_uuid(), 'program', id from programs where uuid = ${program.uuid}`);
    const token = await new SignJWT({ preferred_username: 'lms_worker' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER.issuer)
      .setAudience(ISSUER.audience)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(ISSUER.secret));
    headers = { authorization: `JWT ${token}` };
  });
  afterAll(async () => {
    await t?.close();
    await catalog?.stop();
  });

  const settled = () =>
    waitFor(async () => {
      const result = await t.database.db.execute(
        sql`select count(*)::int as n from pgboss.job where name = 'programs.evaluate-completion' and state in ('created', 'retry', 'active')`,
      );
      return (result as unknown as { rows: { n: number }[] }).rows[0]?.n === 0;
    }, 'the completion jobs');

  it('holds the program credential exactly when every course is held in a counting mode', async () => {
    const courses = program.courses.map((course) => course.course_runs[0]!.key);
    const step = fc.record({
      course: fc.integer({ min: 0, max: courses.length - 1 }),
      mode: fc.constantFrom('verified', 'honor'),
      status: fc.constantFrom('awarded', 'revoked'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        learner += 1;
        const username = `learner${learner}`;
        const held = new Map<string, string>(); // "course|mode" → status
        for (const { course, mode, status } of steps) {
          const response = await t.app.inject({
            method: 'POST',
            url: '/api/v2/credentials/',
            headers,
            payload: { username, status, credential: { course_run_key: courses[course], mode } },
          });
          expect(response.statusCode).toBe(201);
          held.set(`${course}|${mode}`, status);
        }
        await settled();
        const complete = courses.every((_, course) => held.get(`${course}|verified`) === 'awarded');
        const stored = await t.app.inject({
          url: `/api/v2/credentials/?username=${username}&type=program`,
          headers,
        });
        const status = stored.json().results[0]?.status ?? null;
        // Awarded exactly when complete; a learner who never completed has no program credential.
        expect(status === 'awarded').toBe(complete);
        const site = await t.app.laurel.services.sites.getByDomain('localhost');
        expect((await t.app.laurel.services.credentials.reconcile(site, { username }, false)).drift).toEqual(
          [],
        );
      }),
      { numRuns: 12 },
    );
  });
});
