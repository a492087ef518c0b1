import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeCatalog } from '../../../test/fake-upstream/catalog.ts';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';

describe('program certificate configurations and signatories', () => {
  let env: ApiEnv;
  let t: TestApp;
  let catalog: FakeCatalog;
  const auth: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    env = await startApiEnv();
    ({ t, catalog } = env);
    auth.admin = await env.as('admin', { administrator: true });
    for (const who of ['lms_worker', 'alice']) auth[who] = await env.as(who);
  });
  afterAll(() => env?.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, who = 'admin') =>
    t.app.inject({ method, url, headers: auth[who], ...(payload && { payload }) });

  it('adds, changes and lists signatories', async () => {
    const created = await call('POST', '/api/v2/signatories/', { name: 'Dr. Ada Lovelace', title: 'Dean' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      name: 'Dr. Ada Lovelace',
      title: 'Dean',
      organization_name_override: null,
    });
    const patched = await call('PATCH', `/api/v2/signatories/${created.json().uuid}/`, {
      organization_name_override: 'HarvardX',
    });
    expect(patched.json()).toMatchObject({ organization_name_override: 'HarvardX', title: 'Dean' });
    expect((await call('GET', '/api/v2/signatories/')).json().count).toBe(1);
    expect((await call('POST', '/api/v2/signatories/', { title: 'No name' })).statusCode).toBe(400);
  });

  it('configures a program certificate with ordered signatories, and awards it', async () => {
    const second = (
      await call('POST', '/api/v2/signatories/', { name: 'Grace Hopper', title: 'Rear Admiral' })
    ).json();
    const [first] = (await call('GET', '/api/v2/signatories/')).json().results;
    const program = catalog.data.programs[0]!;
    const created = await call('POST', '/api/v2/program_certificates/', {
      program_uuid: program.uuid,
      title: 'Certificate in Computer Science',
      language: 'es',
      include_hours_of_effort: true,
      signatories: [second.uuid, first.uuid],
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      program_uuid: program.uuid,
      program_title: program.title,
      is_active: true,
      title: 'Certificate in Computer Science',
      language: 'es',
      use_org_name: false,
      include_hours_of_effort: true,
      signatories: [second.uuid, first.uuid],
    });
    const award = await call(
      'POST',
      '/api/v2/credentials/',
      { username: 'alice', credential: { program_uuid: program.uuid } },
      'lms_worker',
    );
    expect(award.statusCode).toBe(201);

    const reordered = await call('PATCH', `/api/v2/program_certificates/${created.json().uuid}/`, {
      signatories: [first.uuid],
      is_active: false,
    });
    expect(reordered.json()).toMatchObject({ signatories: [first.uuid], is_active: false });

    // null clears a field: it is not read as an empty string (or a zero) on the way in.
    const cleared = await call('PATCH', `/api/v2/program_certificates/${created.json().uuid}/`, {
      title: null,
      language: null,
    });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toMatchObject({ title: null, language: null });
    const unsigned = await call('PATCH', `/api/v2/signatories/${second.uuid}/`, {
      organization_name_override: null,
    });
    expect(unsigned.json()).toMatchObject({ organization_name_override: null });
    const refused = await call(
      'POST',
      '/api/v2/credentials/',
      { username: 'bob', credential: { program_uuid: program.uuid } },
      'lms_worker',
    );
    expect(refused.statusCode).toBe(400);
  });

  it.each([
    [
      'a program not in the catalog',
      { program_uuid: '6a2b58c1-0000-4000-8000-000000000000' },
      'program_uuid',
    ],
    ['a second configuration of a program', { program_uuid: 'FIRST' }, 'program_uuid'],
    [
      'an unknown signatory',
      { program_uuid: 'SECOND', signatories: ['6a2b58c1-0000-4000-8000-000000000001'] },
      'signatories',
    ],
    ['a bad language', { program_uuid: 'SECOND', language: 'Spanish!' }, 'language'],
  ])('refuses %s with a 400', async (_name, payload, field) => {
    const programs = catalog.data.programs;
    const body = {
      ...payload,
      program_uuid:
        payload.program_uuid === 'FIRST'
          ? programs[0]!.uuid
          : payload.program_uuid === 'SECOND'
            ? programs[1]!.uuid
            : payload.program_uuid,
    };
    const response = await call('POST', '/api/v2/program_certificates/', body);
    expect(response.statusCode).toBe(400);
    expect(Object.keys(response.json())).toContain(field);
  });

  it('refuses to delete what is in use, and deletes what is not', async () => {
    const [config] = (await call('GET', '/api/v2/program_certificates/')).json().results;
    const inUse = await call('DELETE', `/api/v2/program_certificates/${config.uuid}/`);
    expect(inUse.statusCode).toBe(409);
    const signatory = await call('DELETE', `/api/v2/signatories/${config.signatories[0]}/`);
    expect(signatory.statusCode).toBe(409);
    const unused = (
      await call('POST', '/api/v2/program_certificates/', { program_uuid: catalog.data.programs[2]!.uuid })
    ).json();
    expect((await call('DELETE', `/api/v2/program_certificates/${unused.uuid}/`)).statusCode).toBe(204);
    expect((await call('GET', `/api/v2/program_certificates/${unused.uuid}/`)).statusCode).toBe(404);
  });

  it('creates one configuration of a program however many ask at once', async () => {
    const body = { program_uuid: catalog.data.programs[3]!.uuid };
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => call('POST', '/api/v2/program_certificates/', body)),
    );
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([201, 400, 400, 400, 400, 400]);
    for (const refused of answers.filter((answer) => answer.statusCode === 400))
      expect(refused.json()).toEqual({
        program_uuid: ['This program already has a certificate configuration.'],
      });
  });

  it('is for administrators: services and learners may not configure', async () => {
    expect((await call('POST', '/api/v2/signatories/', { name: 'X' }, 'lms_worker')).statusCode).toBe(403);
    expect((await call('GET', '/api/v2/program_certificates/', undefined, 'alice')).statusCode).toBe(403);
  });
});
