import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 30, g: 90, b: 60 } } });

describe('image assets (/api/v2/assets/ and /assets/{sha256})', () => {
  let env: ApiEnv;
  let t: TestApp;
  let staff: Record<string, string>;

  beforeAll(async () => {
    env = await startApiEnv();
    t = env.t;
    await t.app.laurel.services.sites.create({ domain: 'other.example.org', name: 'Other' }, CLI_ACTOR);
    staff = await env.as('staff', { administrator: true });
  });
  afterAll(() => env?.close());

  const upload = (bytes: Buffer, contentType = 'image/png', query = '') =>
    t.app.inject({
      method: 'POST',
      url: `/api/v2/assets/${query}`,
      headers: { ...staff, 'content-type': contentType },
      payload: bytes,
    });
  const serve = (sha256: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url: `/assets/${sha256}`, headers });
  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: staff, ...(payload && { payload }) });

  it('stores a PNG once by content and serves it for ever, sniff-proof and sandboxed', async () => {
    const png = await solid(240, 80).png().toBuffer();
    const response = await upload(png, 'image/png', '?name=signature.png');
    expect(response.statusCode).toBe(201);
    const asset = response.json();
    expect(asset).toEqual({
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      url: `/assets/${asset.sha256}`,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      content_type: 'image/png',
      byte_size: expect.any(Number),
      width: 240,
      height: 80,
      original_name: 'signature.png',
      created: expect.any(String),
    });
    const again = await upload(png);
    expect(again.statusCode).toBe(200);
    expect(again.json().uuid).toBe(asset.uuid);

    const served = await serve(asset.sha256);
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    expect(served.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(await sharp(served.rawPayload).metadata()).toMatchObject({
      format: 'png',
      width: 240,
      height: 80,
    });
    expect((await serve(asset.sha256, { 'if-none-match': served.headers.etag as string })).statusCode).toBe(
      304,
    );
    expect((await api('GET', '/api/v2/assets/')).json().count).toBe(1);
  });

  it('drops metadata such as a photo location, and applies the orientation it carried', async () => {
    const photo = await solid(60, 40)
      .jpeg()
      .withMetadata({ orientation: 6, exif: { IFD0: { Copyright: 'secret place' } } })
      .toBuffer();
    expect((await sharp(photo).metadata()).exif).toBeDefined();
    const asset = (await upload(photo, 'image/jpeg')).json();
    const stored = await sharp((await serve(asset.sha256)).rawPayload).metadata();
    expect(stored.format).toBe('jpeg');
    expect(stored.exif).toBeUndefined();
    // Orientation 6 is a quarter turn: the stored pixels are upright.
    expect([stored.width, stored.height]).toEqual([40, 60]);
  });

  it('rasterizes SVG, scripts and all, to PNG', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><script>alert(1)</script><rect width="100" height="50" fill="#184"/></svg>',
    );
    const response = await upload(svg, 'image/svg+xml');
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ content_type: 'image/png' });
    const served = await serve(response.json().sha256);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.rawPayload.includes('script')).toBe(false);
  });

  it('refuses what is not a usable image, and stores nothing', async () => {
    const before = (await api('GET', '/api/v2/assets/')).json().count;
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>';
    const cases: [Buffer, string, number][] = [
      [Buffer.from('plain text pretending'), 'image/png', 400],
      [Buffer.alloc(0), 'image/png', 400],
      [await solid(10, 10).gif().toBuffer(), 'image/png', 400],
      [await solid(10, 10).tiff().toBuffer(), 'application/octet-stream', 400],
      [(await solid(40, 40).png().toBuffer()).subarray(0, 60), 'image/png', 400],
      [await solid(6000, 5000).png({ compressionLevel: 9 }).toBuffer(), 'image/png', 400],
      [Buffer.from(bomb), 'image/svg+xml', 400],
      [Buffer.alloc(5 * 1024 * 1024 + 1, 1), 'image/png', 413],
      [await solid(10, 10).png().toBuffer(), 'text/plain', 415],
    ];
    for (const [bytes, contentType, status] of cases) {
      const response = await upload(bytes, contentType);
      expect(response.statusCode, `${contentType} ${bytes.length} bytes`).toBe(status);
    }
    const huge = await upload(await solid(6000, 5000).png({ compressionLevel: 9 }).toBuffer(), 'image/png');
    expect(huge.json()).toEqual({ file: ['Images may have at most 25,000,000 pixels.'] });
    expect(
      (await upload(await solid(10, 10).png().toBuffer(), 'image/png', '?name=a/b.png')).statusCode,
    ).toBe(400);
    expect((await upload(await solid(10, 10).png().toBuffer(), 'image/png', '?other=1')).statusCode).toBe(
      400,
    );
    expect((await api('GET', '/api/v2/assets/')).json().count).toBe(before);
  });

  it("keeps each site's images to itself", async () => {
    const asset = (await upload(await solid(30, 30).png().toBuffer())).json();
    expect((await serve(asset.sha256, { host: 'other.example.org' })).statusCode).toBe(404);
    const other = { ...staff, host: 'other.example.org' };
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v2/assets/${asset.uuid}/`, headers: other }))
        .statusCode,
    ).toBe(404);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v2/assets/${asset.uuid}/`, headers: other }))
        .statusCode,
    ).toBe(404);
    for (const bad of ['0'.repeat(64), 'not-a-hash', `${asset.sha256.slice(0, 63)}G`, '..%2F..%2Fsecret_key'])
      expect((await serve(bad)).statusCode).toBe(404);
  });

  it("shows an organization's uploaded logo on its certificates, kept across catalog syncs", async () => {
    const course = env.catalog.data.courses[2]!;
    const owner = course.owners[0]!;
    const logo = (await upload(await solid(200, 60).png().toBuffer(), 'image/png', '?name=logo.png')).json();
    const url = `/api/v2/catalog/organizations/${owner.uuid}/`;
    const set = await api('PATCH', url, { certificate_logo: logo.uuid });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({
      key: owner.key,
      certificate_logo: logo.uuid,
      certificate_logo_url: `/assets/${logo.sha256}`,
    });
    await t.app.laurel.services.catalog.syncSite(env.site, {}, CLI_ACTOR);
    const issued = await t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/',
      headers: await env.as('lms_worker'),
      payload: {
        username: 'logo-learner',
        credential: { course_run_key: course.course_runs[0]!.key, mode: 'verified' },
      },
    });
    const page = await t.app.inject({
      method: 'GET',
      url: `/credentials/${issued.json().uuid.replace(/-/g, '')}/`,
    });
    expect(page.body).toContain(`<img class="logo" src="/assets/${logo.sha256}" alt="${owner.key}">`);
    expect((await api('DELETE', `/api/v2/assets/${logo.uuid}/`)).statusCode).toBe(409);
    expect(
      (await api('PATCH', url, { certificate_logo: '6a2b58c1-0000-4000-8000-000000000000' })).statusCode,
    ).toBe(400);
    expect((await api('PATCH', url, { certificate_logo: 'not-a-uuid' })).statusCode).toBe(400);
    expect((await api('PATCH', url, {})).statusCode).toBe(400);
    expect((await api('PATCH', url, { certificate_logo: null })).json()).toMatchObject({
      certificate_logo: null,
    });
    expect((await api('DELETE', `/api/v2/assets/${logo.uuid}/`)).statusCode).toBe(204);
  });

  it('signs certificates with a signatory image, and keeps an image in use from deletion', async () => {
    const asset = (
      await upload(await solid(300, 100).png().toBuffer(), 'image/png', '?name=dean.png')
    ).json();
    const signatory = await api('POST', '/api/v2/signatories/', {
      name: 'Dean Ink',
      title: 'Dean',
      image: asset.uuid,
    });
    expect(signatory.statusCode).toBe(201);
    expect(signatory.json()).toMatchObject({ image: asset.uuid, image_url: `/assets/${asset.sha256}` });
    expect(
      (
        await api('POST', '/api/v2/signatories/', {
          name: 'X',
          image: '6a2b58c1-0000-4000-8000-000000000000',
        })
      ).statusCode,
    ).toBe(400);

    const key = env.catalog.data.courses[1]!.course_runs[0]!.key;
    const configured = await api('POST', '/api/v2/course_certificates/', {
      course_id: key,
      certificate_type: 'verified',
      signatories: [signatory.json().uuid],
    });
    expect(configured.statusCode).toBe(201);
    const issued = await t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/',
      headers: await env.as('lms_worker'),
      payload: { username: 'signed', credential: { course_run_key: key, mode: 'verified' } },
    });
    const page = await t.app.inject({
      method: 'GET',
      url: `/credentials/${issued.json().uuid.replace(/-/g, '')}/`,
    });
    expect(page.body).toContain(`<img class="signature" src="/assets/${asset.sha256}" alt="">`);

    const url = `/api/v2/assets/${asset.uuid}/`;
    expect((await api('DELETE', url)).statusCode).toBe(409);
    const cleared = await api('PATCH', `/api/v2/signatories/${signatory.json().uuid}/`, { image: null });
    expect(cleared.json(), cleared.body).toMatchObject({ image: null, image_url: null });
    expect((await api('DELETE', url)).statusCode).toBe(204);
    expect((await serve(asset.sha256)).statusCode).toBe(404);
    expect((await api('GET', url)).statusCode).toBe(404);
  });

  it('keeps an image a current template shows, until the template no longer does', async () => {
    const asset = (await upload(await solid(32, 32).png().toBuffer())).json();
    const template = await api('POST', '/api/v2/templates/', {
      part: 'footer',
      scope: 'site',
      body: `<footer><img src="/assets/${asset.sha256}" alt=""></footer>`,
    });
    expect(template.statusCode).toBe(201);
    const url = `/api/v2/assets/${asset.uuid}/`;
    const refused = await api('DELETE', url);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual({ detail: 'A template still shows this image: change it first.' });
    const changed = await api('PATCH', `/api/v2/templates/${template.json().uuid}/`, {
      body: '<footer></footer>',
    });
    expect(changed.statusCode).toBe(200);
    expect((await api('DELETE', url)).statusCode).toBe(204);
    // Deleted, the image can no longer be named, nor come back with an old version.
    const naming = await api('PATCH', `/api/v2/templates/${template.json().uuid}/`, {
      body: `<footer><img src="/assets/${asset.sha256}" alt=""></footer>`,
    });
    expect(naming.statusCode).toBe(400);
    expect(naming.json()).toEqual({
      body: [`This site has no image /assets/${asset.sha256}: upload it first.`],
    });
    const restored = await api('POST', `/api/v2/templates/${template.json().uuid}/versions/1/restore/`);
    expect(restored.statusCode).toBe(400);
    await api('DELETE', `/api/v2/templates/${template.json().uuid}/`);
  });

  it("refuses a template naming an image of another site's, or none", async () => {
    const theirs = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v2/assets/',
        headers: { ...staff, host: 'other.example.org', 'content-type': 'image/png' },
        payload: await solid(16, 16).png().toBuffer(),
      })
    ).json();
    for (const sha256 of [theirs.sha256, 'f'.repeat(64)]) {
      const refused = await api('POST', '/api/v2/templates/', {
        part: 'header',
        scope: 'site',
        body: `<header><img src="/assets/${sha256}" alt=""></header>`,
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toHaveProperty('body');
    }
  });
});
