import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogProgram } from '../../../test/fake-upstream/catalog.ts';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';

/** Random award/revoke sequences keep the program credential equal to a from-scratch recomputation. */
describe('program completion over random histories', () => {
  let env: ApiEnv;
  let t: TestApp;
  let program: CatalogProgram;
  let headers: Record<string, string>;
  let learner = 0;

  beforeAll(async () => {
    env = await startApiEnv();
    t = env.t;
    await t.app.laurel.services.sites.update('localhost', { revokeProgramsWithCourses: true }, CLI_ACTOR);
    program = await env.configureProgram();
    headers = await env.as('lms_worker');
  });
  afterAll(() => env?.close());

  const settled = () => env.completionSettled();

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
    // Twelve histories, each waiting for its completion jobs: longer than one test usually takes.
  }, 120_000);
});
