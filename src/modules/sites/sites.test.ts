import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, createTestApp } from '../../../test/helpers/app.ts';
import { auditLog } from '../audit/audit.schema.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';

describe('sites', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    const { sites } = t.app.laurel.services;
    await sites.create({ domain: 'a.example.org', name: 'Site A', platformName: 'Academy A' }, CLI_ACTOR);
    await sites.create({ domain: 'b.example.org', name: 'Site B', platformName: 'Academy B' }, CLI_ACTOR);
  });
  afterAll(() => t.close());

  it('creates the default site for PUBLIC_URL on an empty database', async () => {
    const response = await t.app.inject({ url: '/api/v2/site/', headers: { host: 'localhost:8150' } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ domain: 'localhost', platform_name: 'Laurel' });
  });

  it("serves each host its own site's row and never another's", async () => {
    const a = await t.app.inject({ url: '/api/v2/site/', headers: { host: 'a.example.org' } });
    const b = await t.app.inject({ url: '/api/v2/site/', headers: { host: 'b.example.org:443' } });
    expect(a.json()).toMatchObject({ domain: 'a.example.org', name: 'Site A', platform_name: 'Academy A' });
    expect(b.json()).toMatchObject({ domain: 'b.example.org', name: 'Site B', platform_name: 'Academy B' });
  });

  it('matches host names case-insensitively and without the port', async () => {
    const response = await t.app.inject({ url: '/api/v2/site/', headers: { host: 'A.Example.ORG:8443' } });
    expect(response.json()).toMatchObject({ domain: 'a.example.org' });
  });

  it.each(['c.example.org', 'a.example.org.evil.test', 'example.org', '127.0.0.1', '[::1]:8150'])(
    'answers 404 for the unknown host %s instead of falling back to a site',
    async (host) => {
      const response = await t.app.inject({ url: '/api/v2/site/', headers: { host } });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ detail: 'Not found.' });
    },
  );

  it('ignores X-Forwarded-Host unless TRUST_PROXY is on', async () => {
    const response = await t.app.inject({
      url: '/api/v2/site/',
      headers: { host: 'a.example.org', 'x-forwarded-host': 'b.example.org' },
    });
    expect(response.json()).toMatchObject({ domain: 'a.example.org' });
  });

  it('sees a change to a site on the next request (cache invalidated)', async () => {
    const { sites } = t.app.laurel.services;
    await t.app.inject({ url: '/api/v2/site/', headers: { host: 'a.example.org' } });
    await sites.update('a.example.org', { platformName: 'Academy A+' }, CLI_ACTOR);
    const response = await t.app.inject({ url: '/api/v2/site/', headers: { host: 'a.example.org' } });
    expect(response.json()).toMatchObject({ platform_name: 'Academy A+' });
  });

  it('moves a site to a new domain: the old host stops answering at once', async () => {
    const { sites } = t.app.laurel.services;
    await sites.create({ domain: 'old.example.org', name: 'Moving' }, CLI_ACTOR);
    await t.app.inject({ url: '/api/v2/site/', headers: { host: 'old.example.org' } });
    await sites.update('old.example.org', { domain: 'new.example.org' }, CLI_ACTOR);
    expect(
      (await t.app.inject({ url: '/api/v2/site/', headers: { host: 'old.example.org' } })).statusCode,
    ).toBe(404);
    expect(
      (await t.app.inject({ url: '/api/v2/site/', headers: { host: 'new.example.org' } })).json(),
    ).toMatchObject({
      name: 'Moving',
    });
  });

  it('refuses invalid settings and changes nothing', async () => {
    const { sites } = t.app.laurel.services;
    await expect(
      sites.update('b.example.org', { lmsUrl: 'javascript:alert(1)', platformName: 'Changed' }, CLI_ACTOR),
    ).rejects.toMatchObject({
      statusCode: 400,
      fields: { lms_url: ['Enter a valid http(s) URL without credentials.'] },
    });
    await expect(
      sites.create({ domain: 'https://x.example.org/path', name: 'X' }, CLI_ACTOR),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
    await expect(
      sites.create({ domain: 'x.example.org', name: 'X', colour: 'red' }, CLI_ACTOR),
    ).rejects.toMatchObject({
      fields: { colour: ['Unknown setting.'] },
    });
    await expect(
      sites.update('b.example.org', { enableFacebookSharing: true }, CLI_ACTOR),
    ).rejects.toMatchObject({
      fields: { facebook_app_id: expect.any(Array) },
    });
    const b = await t.app.inject({ url: '/api/v2/site/', headers: { host: 'b.example.org' } });
    expect(b.json()).toMatchObject({ platform_name: 'Academy B', sharing: { facebook: false } });
    expect((await sites.list()).map((site) => site.domain)).not.toContain('x.example.org');
  });

  it('refuses a second site on the same domain, in any case', async () => {
    const { sites } = t.app.laurel.services;
    await expect(sites.create({ domain: 'A.EXAMPLE.ORG', name: 'Copy' }, CLI_ACTOR)).rejects.toMatchObject({
      statusCode: 409,
    });
  });

  it('audits changes without writing secrets', async () => {
    const { sites } = t.app.laurel.services;
    const site = await sites.update(
      'b.example.org',
      { oauthClientId: 'laurel', oauthClientSecret: 'top-secret-value' },
      CLI_ACTOR,
    );
    const entries = await t.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, String(site.id)));
    const update = entries.find((entry) => entry.action === 'site.updated');
    expect(update).toMatchObject({ actorLabel: 'cli', source: 'cli', targetType: 'site' });
    expect(update?.changes).toEqual({
      oauthClientId: [null, 'laurel'],
      oauthClientSecret: [null, '[secret]'],
    });
    expect(JSON.stringify(entries)).not.toContain('top-secret-value');
  });

  it('writes no audit entry when an update changes nothing', async () => {
    const { sites } = t.app.laurel.services;
    const before = await t.database.db.select().from(auditLog);
    await sites.update('b.example.org', { platformName: 'Academy B' }, CLI_ACTOR);
    const after = await t.database.db.select().from(auditLog);
    expect(after).toHaveLength(before.length);
  });
});
