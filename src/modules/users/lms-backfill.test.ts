import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaurelWithLms, startLaurelWithLms } from '../../../test/helpers/laurel-with-lms.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';

describe("filling learners' data from the LMS", () => {
  let env: LaurelWithLms;

  beforeAll(async () => {
    env = await startLaurelWithLms();
    const { users } = env.app.laurel.services;
    // Known to Laurel only by username, as after an old import or a grade for an unseen learner.
    for (const username of ['learner', 'ana.gómez', 'ghost'])
      await users.syncFromClaims({ username }, CLI_ACTOR);
  });
  afterAll(() => env?.close());

  const site = () => env.app.laurel.services.sites.getByDomain('localhost');

  it('fills names, emails and LMS ids in batches, and leaves unknown users alone', async () => {
    const { users } = env.app.laurel.services;
    const before = env.lms.counts.accounts;
    const batches: number[] = [];
    const report = await users.fillFromLms(await site(), 2, (progress) => batches.push(progress.examined));
    expect(report).toEqual({ examined: 3, updated: 2, unknownToLms: 1 });
    expect(batches).toEqual([2, 3]);
    expect(env.lms.counts.accounts - before).toBe(2);
    expect(await users.getByUsername('learner')).toMatchObject({
      fullName: 'Lee Learner',
      email: 'learner@example.com',
      lmsUserId: 2,
    });
    expect(await users.getByUsername('Ana.Gómez')).toMatchObject({ fullName: 'Ana Gómez', lmsUserId: 3 });
    expect(await users.getByUsername('ghost')).toMatchObject({ fullName: '', lmsUserId: null });
  });

  it('asks again only about the users still lacking data', async () => {
    const report = await env.app.laurel.services.users.fillFromLms(await site(), 50);
    expect(report).toEqual({ examined: 1, updated: 0, unknownToLms: 1 });
  });

  it('says clearly when the LMS cannot be asked', async () => {
    const { sites, users } = env.app.laurel.services;
    const bare = await sites.create({ domain: 'bare.example.org', name: 'Bare' }, CLI_ACTOR);
    await expect(users.fillFromLms(bare, 10)).rejects.toThrow('Site bare.example.org has no LMS URL.');
  });
});
