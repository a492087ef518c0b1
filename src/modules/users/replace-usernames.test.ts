import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';

describe('username replacement (/api/v2/replace_usernames/)', () => {
  let env: ApiEnv;
  let t: TestApp;
  const auth: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    env = await startApiEnv({ USERNAME_REPLACEMENT_WORKER: 'replacer' });
    t = env.t;
    const { users } = t.app.laurel.services;
    for (const who of ['replacer', 'lms_worker', 'alice']) {
      auth[who] = await env.as(who, { email: `${who}@example.org`, name: `Name of ${who}` });
    }
    await users.syncFromClaims(
      { username: 'bob', email: 'bob@example.org', fullName: 'Bob Example' },
      CLI_ACTOR,
    );
    await users.syncFromClaims({ username: 'taken' }, CLI_ACTOR);
    const award = await t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/',
      headers: auth.lms_worker,
      payload: {
        username: 'carol',
        credential: { course_run_key: env.catalog.data.courses[0]!.course_runs[0]!.key, mode: 'verified' },
      },
    });
    expect(award.statusCode).toBe(201);
  });
  afterAll(() => env?.close());

  const replace = (payload: unknown, who = 'replacer') =>
    t.app.inject({
      method: 'POST',
      url: '/api/v2/replace_usernames/',
      headers: auth[who],
      payload: payload as object,
    });

  it('renames users, moving their credentials with them, pair by pair', async () => {
    const response = await replace({
      username_mappings: [{ carol: 'carol_new' }, { bob: 'taken' }, { nobody: 'someone' }],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      successful_replacements: [{ carol: 'carol_new' }, { nobody: 'someone' }],
      failed_replacements: [{ bob: 'taken' }],
    });
    const list = async (username: string) =>
      (
        await t.app.inject({ url: `/api/v2/credentials/?username=${username}`, headers: auth.lms_worker })
      ).json().count;
    expect(await list('carol_new')).toBe(1);
    expect(await list('carol')).toBe(0);
  });

  it('fails a pair whose new name the API would refuse, or that renames a service user', async () => {
    const response = await replace({
      username_mappings: [
        { bob: 'bad name!' },
        { lms_worker: 'lms_worker_2' },
        { REPLACER: 'r2' },
        { bob: 'Replacer' },
      ],
    });
    expect(response.json()).toEqual({
      successful_replacements: [],
      failed_replacements: [
        { bob: 'bad name!' },
        { lms_worker: 'lms_worker_2' },
        { REPLACER: 'r2' },
        { bob: 'Replacer' },
      ],
    });
    const { users } = t.app.laurel.services;
    for (const name of ['bob', 'lms_worker', 'replacer'])
      expect(await users.getByUsername(name)).toMatchObject({ username: name });
  });

  it('erases the name and email of a retired user, and only then', async () => {
    const { users } = t.app.laurel.services;
    await replace({ username_mappings: [{ bob: 'retired__user_abc123' }] });
    expect(await users.getByUsername('retired__user_abc123')).toMatchObject({ fullName: '', email: '' });
    expect(await users.getByUsername('carol_new')).toMatchObject({ username: 'carol_new' });
  });

  it.each([
    ['an empty body', {}],
    ['a mapping that is not a list', { username_mappings: { a: 'b' } }],
    ['an empty list', { username_mappings: [] }],
    ['a mapping with two names', { username_mappings: [{ a: 'b', c: 'd' }] }],
    ['an empty new name', { username_mappings: [{ a: '' }] }],
  ])('refuses %s with a 400', async (_name, payload) => {
    expect((await replace(payload)).statusCode).toBe(400);
  });

  it('is for the configured worker only', async () => {
    expect((await replace({ username_mappings: [{ alice: 'alice2' }] }, 'alice')).statusCode).toBe(403);
    expect((await replace({ username_mappings: [{ alice: 'alice2' }] }, 'lms_worker')).statusCode).toBe(403);
  });
});
