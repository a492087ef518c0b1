import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaurelWithLms, startLaurelWithLms } from '../../../test/helpers/laurel-with-lms.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';

describe('service tokens (client credentials)', () => {
  let env: LaurelWithLms;

  beforeAll(async () => {
    env = await startLaurelWithLms();
  });
  afterAll(() => env?.close());

  const site = () => env.app.laurel.services.sites.getByDomain('localhost');

  it('gets a JWT access token from the LMS with the site client, and keeps it', async () => {
    const { serviceTokens } = env.app.laurel.services;
    const before = env.lms.counts.token;
    const token = await serviceTokens.tokenFor(await site());
    expect(decodeJwt(token)).toMatchObject({
      iss: env.lms.issuer,
      preferred_username: 'laurel_service_worker',
    });
    expect(env.lms.counts.token).toBe(before + 1);

    expect(await serviceTokens.tokenFor(await site())).toBe(token);
    expect(env.lms.counts.token).toBe(before + 1);
  });

  it('lets concurrent callers share one token request', async () => {
    const { serviceTokens, sites } = env.app.laurel.services;
    // A new client id makes a new cache entry.
    await sites.update('localhost', { oauthClientId: 'laurel-service' }, CLI_ACTOR);
    await env.app.laurel.cache.delete(`service-token:${(await site()).id}:laurel-service`);
    const before = env.lms.counts.token;
    const tokens = await Promise.all(
      Array.from({ length: 5 }, async () => serviceTokens.tokenFor(await site())),
    );
    expect(new Set(tokens).size).toBe(1);
    expect(env.lms.counts.token).toBe(before + 1);
  });

  it('is accepted by the LMS API it is for', async () => {
    const token = await env.app.laurel.services.serviceTokens.tokenFor(await site());
    const response = await fetch(`${env.lms.url}/api/user/v1/accounts/learner`, {
      headers: { authorization: `JWT ${token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ username: 'learner', email: 'learner@example.com' });

    const several = await fetch(`${env.lms.url}/api/user/v1/accounts?username=learner,edx,nobody`, {
      headers: { authorization: `JWT ${token}` },
    });
    const accounts = (await several.json()) as { username: string }[];
    expect(accounts.map((account) => account.username)).toEqual(['learner', 'edx']);
    const anonymous = await fetch(`${env.lms.url}/api/user/v1/accounts/learner`);
    expect(anonymous.status).toBe(401);
  });

  it('says clearly when the LMS refuses the client', async () => {
    const { sites, serviceTokens } = env.app.laurel.services;
    await sites.update('localhost', { oauthClientSecret: 'wrong-secret' }, CLI_ACTOR);
    await env.app.laurel.cache.delete(`service-token:${(await site()).id}:laurel-service`);
    await expect(serviceTokens.tokenFor(await site())).rejects.toThrow(
      /refused Laurel's client credentials \(HTTP 401\)/,
    );
  });

  it('says clearly when the site has no client configured', async () => {
    const { sites, serviceTokens } = env.app.laurel.services;
    const bare = await sites.create({ domain: 'bare.example.org', name: 'Bare' }, CLI_ACTOR);
    await expect(serviceTokens.tokenFor(bare)).rejects.toThrow(/has no LMS URL or OAuth client/);
  });
});
