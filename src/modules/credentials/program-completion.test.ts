import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogProgram } from '../../../test/fake-upstream/catalog.ts';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';

describe('program completion', () => {
  let env: ApiEnv;
  let t: TestApp;
  let program: CatalogProgram;
  let runKeys: string[];
  let headers: Record<string, string>;

  beforeAll(async () => {
    env = await startApiEnv();
    t = env.t;
    program = await env.configureProgram();
    // One run of each course of the program.
    runKeys = program.courses.map((course) => course.course_runs[0]!.key);
    headers = await env.as('lms_worker');
  });
  afterAll(() => env?.close());

  const award = async (username: string, runKey: string, mode = 'verified', status = 'awarded') => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/',
      headers,
      payload: { username, status, credential: { course_run_key: runKey, mode } },
    });
    expect(response.statusCode).toBe(201);
  };
  const programEvents = async (username: string) =>
    (
      (await t.database.db.execute(sql`
        select e.type, e.source from credential_events e
        join user_credentials uc on uc.id = e.user_credential_id
        join users u on u.id = uc.user_id
        join credential_configs cc on cc.id = uc.config_id
        where u.username = ${username} and cc.kind = 'program' order by e.id`)) as unknown as {
        rows: { type: string; source: string }[];
      }
    ).rows;
  const settled = () => env.completionSettled();

  it('awards the program credential exactly once when the last course is earned in a counting mode', async () => {
    for (const key of runKeys.slice(0, -1)) await award('learner', key);
    await award('learner', runKeys.at(-1)!, 'honor'); // honor does not count
    await settled();
    expect(await programEvents('learner')).toEqual([]);

    await award('learner', runKeys.at(-1)!, 'verified');
    await settled();
    expect(await programEvents('learner')).toEqual([{ type: 'awarded', source: 'program-completion' }]);

    // Posting what is already true changes nothing and awards nothing again.
    await award('learner', runKeys.at(-1)!, 'verified');
    await settled();
    expect(await programEvents('learner')).toHaveLength(1);
  });

  it('keeps the program credential when a course credential is revoked, unless the site says otherwise', async () => {
    await award('learner', runKeys[0]!, 'verified', 'revoked');
    await settled();
    expect(await programEvents('learner')).toHaveLength(1);

    await t.app.laurel.services.sites.update('localhost', { revokeProgramsWithCourses: true }, CLI_ACTOR);
    await award('learner', runKeys[1]!, 'verified', 'revoked');
    await settled();
    expect(await programEvents('learner')).toEqual([
      { type: 'awarded', source: 'program-completion' },
      { type: 'revoked', source: 'program-completion' },
    ]);

    // Earning the courses back earns the program back.
    await award('learner', runKeys[0]!);
    await award('learner', runKeys[1]!);
    await settled();
    expect((await programEvents('learner')).at(-1)).toEqual({
      type: 're-awarded',
      source: 'program-completion',
    });
  });

  it('awards nothing when the site turns automatic awards off', async () => {
    await t.app.laurel.services.sites.update('localhost', { autoAwardPrograms: false }, CLI_ACTOR);
    for (const key of runKeys) await award('another', key);
    await settled();
    expect(await programEvents('another')).toEqual([]);
  });

  it('reconciles: reports learners whose program credential disagrees, and repairs them with --fix', async () => {
    const { sites, credentials } = t.app.laurel.services;
    // "another" completed the program while automatic awards were off.
    const site = await sites.update('localhost', { autoAwardPrograms: true }, CLI_ACTOR);
    const report = await credentials.reconcile(site, { programUuid: program.uuid }, false);
    expect(report.drift).toEqual([{ username: 'another', program: program.uuid, change: 'award' }]);
    expect(await programEvents('another')).toEqual([]);

    const fixed = await credentials.reconcile(site, { username: 'another' }, true);
    expect(fixed.fixed).toBe(1);
    expect(await programEvents('another')).toEqual([{ type: 'awarded', source: 'program-completion' }]);
    expect((await credentials.reconcile(site, {}, false)).drift).toEqual([]);
  });

  it('dates program credentials when awarded, and only_visible hides what may not be shown yet', async () => {
    const list = async (query: string) =>
      (await t.app.inject({ url: `/api/v2/credentials/?username=learner&${query}`, headers })).json()
        .results as {
        credential: { type: string; course_run_key?: string };
      }[];
    const dates = (await t.database.db.execute(sql`
      select uc.visible_date from user_credentials uc join credential_configs cc on cc.id = uc.config_id
      join users u on u.id = uc.user_id where u.username = 'learner' and cc.kind = 'program'`)) as unknown as {
      rows: { visible_date: unknown }[];
    };
    expect(dates.rows[0]?.visible_date).not.toBeNull();
    expect((await list('only_visible=true&type=program')).length).toBe(1);

    // The LMS moves a course's certificate date into the future: that course credential is hidden.
    const hidden = runKeys[2] ?? runKeys[0]!;
    await t.app.inject({
      method: 'POST',
      url: '/api/v2/course_certificates/',
      headers,
      payload: {
        course_id: hidden,
        certificate_type: 'verified',
        certificate_available_date: '2099-01-01T00:00:00Z',
      },
    });
    const visible = (await list('only_visible=true&type=course-run')).map((r) => r.credential.course_run_key);
    const all = (await list('type=course-run')).map((r) => r.credential.course_run_key);
    expect(all).toContain(hidden);
    expect(visible).not.toContain(hidden);
    // The program credential is dated by its courses: it waits for that date too…
    await settled();
    expect((await list('only_visible=true&type=program')).length).toBe(0);
    // …and shows again when the date comes back.
    const moved = await t.app.inject({
      method: 'POST',
      url: '/api/v2/course_certificates/',
      headers,
      payload: { course_id: hidden, certificate_type: 'verified', certificate_available_date: null },
    });
    expect(moved.statusCode).toBe(201);
    await settled();
    expect((await list('only_visible=true&type=program')).length).toBe(1);
  });

  it('dates a program credential the LMS posted before its courses once they are earned', async () => {
    const programList = async () =>
      (
        await t.app.inject({
          url: '/api/v2/credentials/?username=early-bird&type=program&only_visible=true',
          headers,
        })
      ).json().count as number;
    const posted = await t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/',
      headers,
      payload: { username: 'early-bird', status: 'awarded', credential: { program_uuid: program.uuid } },
    });
    expect(posted.statusCode).toBe(201);
    expect(await programList()).toBe(0);

    // With the site revoking programs with courses: a course awarded is no reason to take it back.
    await t.app.laurel.services.sites.update('localhost', { revokeProgramsWithCourses: true }, CLI_ACTOR);
    await award('early-bird', runKeys[1]!);
    await settled();
    expect(await programList()).toBe(1);
    const page = await t.app.inject({ url: `/credentials/${posted.json().uuid.replace(/-/g, '')}/` });
    expect(page.statusCode).toBe(200);
    // The history says when and why it was dated: awarded by the LMS, then dated by completion.
    expect(await programEvents('early-bird')).toEqual([
      { type: 'awarded', source: 'api' },
      { type: 'changed', source: 'program-completion' },
    ]);
    // One left without a date (as early posts were before completion dated them) is dated by
    // reconcile --fix (with the site no longer revoking with courses: it would revoke this one).
    await t.app.laurel.services.sites.update('localhost', { revokeProgramsWithCourses: false }, CLI_ACTOR);
    await t.database.db.execute(
      sql`update user_credentials set visible_date = null where uuid = ${posted.json().uuid as string}`,
    );
    expect(await programList()).toBe(0);
    const { sites, credentials } = t.app.laurel.services;
    await credentials.reconcile(await sites.getByDomain('localhost'), { username: 'early-bird' }, true);
    expect(await programList()).toBe(1);
    // Nothing to date it by any more: it keeps its date rather than disappear.
    await award('early-bird', runKeys[1]!, 'verified', 'revoked');
    await settled();
    expect(await programList()).toBe(1);
  });

  it('decides the programs of many learners awarded together in one bulk request', async () => {
    const modes: Record<string, string> = { bulk1: 'verified', bulk2: 'verified', bulk3: 'honor' };
    const items = Object.entries(modes).flatMap(([username, mode]) =>
      runKeys.map((key, i) => ({
        username,
        credential: { course_run_key: key, mode: i === 0 ? mode : 'verified' },
        status: 'awarded',
      })),
    );
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/bulk/',
      headers,
      payload: { items },
    });
    expect(response.json()).toMatchObject({ succeeded: items.length, failed: 0 });
    await settled();
    const awarded = [{ type: 'awarded', source: 'program-completion' }];
    expect(await programEvents('bulk1')).toEqual(awarded);
    expect(await programEvents('bulk2')).toEqual(awarded);
    expect(await programEvents('bulk3')).toEqual([]); // honor does not count
  });

  it('follows its program configuration switched off and on through the admin API', async () => {
    const admin = await env.as('admin', { administrator: true });
    const { rows } = (await t.database.db.execute(
      sql`select cc.uuid from credential_configs cc join programs p on p.id = cc.program_id where p.uuid = ${program.uuid}`,
    )) as unknown as { rows: { uuid: string }[] };
    const setActive = async (active: boolean) => {
      const response = await t.app.inject({
        method: 'PATCH',
        url: `/api/v2/program_certificates/${rows[0]!.uuid}/`,
        headers: admin,
        payload: { is_active: active },
      });
      expect(response.statusCode).toBe(200);
    };

    await setActive(false);
    for (const key of runKeys) await award('while-off', key);
    await settled();
    expect(await programEvents('while-off')).toEqual([]);

    await setActive(true);
    for (const key of runKeys) await award('while-on', key);
    await settled();
    expect(await programEvents('while-on')).toEqual([{ type: 'awarded', source: 'program-completion' }]);
  });
});
