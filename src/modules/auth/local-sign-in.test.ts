import { SignJWT } from 'jose';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, createTestApp } from '../../../test/helpers/app.ts';
import { fixedClock } from '../../platform/clock.ts';

const ADMIN = { username: 'admin@example.org', password: 'correct horse battery staple' };
const HS_ISSUER = {
  issuer: 'https://lms.example.org/oauth2',
  audience: 'laurel',
  secret: 'shared-secret-for-tests-0123456789',
};

const cookieOf = (response: LightMyRequestResponse, name: string) =>
  (response.cookies as { name: string; value: string }[]).find((cookie) => cookie.name === name);

describe('local sign-in, sessions and CSRF', () => {
  let t: TestApp;
  const clock = fixedClock(new Date('2026-11-27T09:00:00Z'));
  let nextAddress = 1;
  /** Each sign-in comes from its own address unless a test means to hit the per-address limit. */
  const address = () => `10.0.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 1}`;

  beforeAll(async () => {
    t = await createTestApp(
      {
        ADMIN_EMAIL: ADMIN.username,
        ADMIN_PASSWORD: ADMIN.password,
        SESSION_IDLE_MINUTES: '30',
        SESSION_MAX_HOURS: '2',
        JWT_ISSUERS: JSON.stringify([HS_ISSUER]),
      },
      { clock },
    );
  });
  afterAll(() => t.close());

  /** Opens the form (for its CSRF cookie and token) and posts it. */
  async function signIn(
    username: string,
    password: string,
    options: { next?: string; from?: string; cookies?: Record<string, string> } = {},
  ) {
    const form = await t.app.inject({ url: '/login/local/', cookies: options.cookies });
    const csrfCookie = cookieOf(form, 'laurel_csrf')?.value ?? options.cookies?.laurel_csrf ?? '';
    const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    return t.app.inject({
      method: 'POST',
      url: '/login/local/',
      remoteAddress: options.from ?? address(),
      cookies: { ...options.cookies, laurel_csrf: csrfCookie },
      payload: new URLSearchParams({
        username,
        password,
        next: options.next ?? '/',
        csrfmiddlewaretoken: token,
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  async function csrfFor(cookies: Record<string, string>) {
    const response = await t.app.inject({ url: '/csrf/api/v1/token', cookies });
    return {
      token: response.json().csrfToken as string,
      cookie: cookieOf(response, 'laurel_csrf')?.value ?? cookies.laurel_csrf ?? '',
    };
  }

  const me = (cookies: Record<string, string>) => t.app.inject({ url: '/api/v2/users/me/', cookies });

  it('shows a sign-in form with a CSRF token and an httpOnly CSRF cookie', async () => {
    const form = await t.app.inject({ url: '/login/local/?next=/records/' });
    expect(form.statusCode).toBe(200);
    expect(form.headers['content-type']).toContain('text/html');
    expect(form.body).toMatch(/name="csrfmiddlewaretoken" value="[A-Za-z0-9_-]{43}"/);
    expect(form.body).toContain('name="next" value="/records/"');
    expect(cookieOf(form, 'laurel_csrf')).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
  });

  it('refuses a sign-in post without the CSRF token', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/login/local/',
      payload: { username: ADMIN.username, password: ADMIN.password },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'CSRF Failed: CSRF token missing.' });
    expect(cookieOf(response, 'laurel_session')).toBeUndefined();
  });

  it('says the same for a wrong password and an unknown user', async () => {
    const wrong = await signIn(ADMIN.username, 'not the password');
    const unknown = await signIn('nobody@example.org', 'whatever password');
    for (const response of [wrong, unknown]) {
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('Incorrect username or password.');
      expect(cookieOf(response, 'laurel_session')).toBeUndefined();
    }
  });

  it('signs in with the right password, to a same-site page only', async () => {
    const response = await signIn(ADMIN.username, ADMIN.password, { next: 'https://evil.example/' });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/');
    const session = cookieOf(response, 'laurel_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect((session as { secure?: boolean }).secure).toBeFalsy();
    const whoami = await me({ laurel_session: session?.value ?? '' });
    expect(whoami.json()).toMatchObject({
      username: ADMIN.username,
      roles: ['admin'],
      authenticated_by: 'session',
    });
  });

  it('gives a new session at each sign-in and ends the one the browser had', async () => {
    const first = cookieOf(await signIn(ADMIN.username, ADMIN.password), 'laurel_session')?.value ?? '';
    const second = cookieOf(
      await signIn(ADMIN.username, ADMIN.password, { cookies: { laurel_session: first } }),
      'laurel_session',
    )?.value;
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect((await me({ laurel_session: first })).statusCode).toBe(401);
    expect((await me({ laurel_session: second ?? '' })).statusCode).toBe(200);
  });

  it('never accepts a session of one site on another', async () => {
    await t.app.laurel.services.sites.create(
      { domain: 'other.example.org', name: 'Other' },
      { label: 'test', source: 'cli' },
    );
    const session = cookieOf(await signIn(ADMIN.username, ADMIN.password), 'laurel_session')?.value ?? '';
    const elsewhere = await t.app.inject({
      url: '/api/v2/users/me/',
      headers: { host: 'other.example.org' },
      cookies: { laurel_session: session },
    });
    expect(elsewhere.statusCode).toBe(401);
  });

  describe('CSRF on cookie-authenticated changes', () => {
    let session: Record<string, string>;

    beforeAll(async () => {
      session = {
        laurel_session: cookieOf(await signIn(ADMIN.username, ADMIN.password), 'laurel_session')?.value ?? '',
      };
    });

    const platformName = async () => (await t.app.inject({ url: '/api/v2/site/' })).json().platform_name;
    const patch = (cookies: Record<string, string>, headers: Record<string, string> = {}) =>
      t.app.inject({
        method: 'PATCH',
        url: '/api/v2/sites/current/',
        cookies,
        headers,
        payload: { platform_name: 'Changed' },
      });

    it('refuses a change without a CSRF token and changes nothing', async () => {
      const before = await platformName();
      const response = await patch(session);
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({ detail: 'CSRF Failed: CSRF token missing.' });
      expect(await platformName()).toBe(before);
    });

    it('refuses a token that does not match the cookie', async () => {
      const { cookie } = await csrfFor(session);
      const response = await patch({ ...session, laurel_csrf: cookie }, { 'x-csrftoken': 'A'.repeat(43) });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({ detail: 'CSRF Failed: CSRF token incorrect.' });
    });

    it('refuses a request from another origin even with a token', async () => {
      const { token, cookie } = await csrfFor(session);
      const response = await patch(
        { ...session, laurel_csrf: cookie },
        { 'x-csrftoken': token, origin: 'https://evil.example' },
      );
      expect(response.statusCode).toBe(403);
    });

    it('accepts the change with the token from /csrf/api/v1/token', async () => {
      const { token, cookie } = await csrfFor(session);
      const response = await patch(
        { ...session, laurel_csrf: cookie },
        { 'x-csrftoken': token, origin: 'http://localhost' },
      );
      expect(response.statusCode).toBe(200);
      expect(await platformName()).toBe('Changed');
    });

    it('asks the same of the Open edX JWT cookie pair, but not of an Authorization header', async () => {
      const jwt = await new SignJWT({ preferred_username: 'lms-admin', administrator: true })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(HS_ISSUER.issuer)
        .setAudience(HS_ISSUER.audience)
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(HS_ISSUER.secret));
      const [header, payload, signature] = jwt.split('.');
      const pair = {
        'edx-jwt-cookie-header-payload': `${header}.${payload}`,
        'edx-jwt-cookie-signature': signature ?? '',
      };
      expect((await patch(pair)).statusCode).toBe(403);
      const { token, cookie } = await csrfFor(pair);
      expect((await patch({ ...pair, laurel_csrf: cookie }, { 'x-csrftoken': token })).statusCode).toBe(200);
      expect((await patch({}, { authorization: `JWT ${jwt}` })).statusCode).toBe(200);
    });

    it('signs out with the form, ending the session', async () => {
      const { token, cookie } = await csrfFor(session);
      const response = await t.app.inject({
        method: 'POST',
        url: '/logout/',
        cookies: { ...session, laurel_csrf: cookie },
        payload: new URLSearchParams({ csrfmiddlewaretoken: token }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('You are signed out');
      expect((await me(session)).statusCode).toBe(401);
    });
  });

  describe('session lifetime', () => {
    it('ends a session after the idle timeout', async () => {
      const session = {
        laurel_session: cookieOf(await signIn(ADMIN.username, ADMIN.password), 'laurel_session')?.value ?? '',
      };
      clock.advance(29 * 60_000);
      expect((await me(session)).statusCode).toBe(200);
      clock.advance(31 * 60_000);
      expect((await me(session)).statusCode).toBe(401);
    });

    it('ends an active session at the absolute timeout', async () => {
      const session = {
        laurel_session: cookieOf(await signIn(ADMIN.username, ADMIN.password), 'laurel_session')?.value ?? '',
      };
      for (let minutes = 20; minutes <= 100; minutes += 20) {
        clock.advance(20 * 60_000);
        expect((await me(session)).statusCode).toBe(200);
      }
      clock.advance(25 * 60_000); // 125 minutes after sign-in, 25 since the last request

      expect((await me(session)).statusCode).toBe(401);
    });
  });

  describe('brute force', () => {
    it('locks an account after five failures in a row, then lets it in after the lock', async () => {
      for (let i = 0; i < 5; i += 1)
        expect((await signIn(ADMIN.username, `wrong ${i}`)).statusCode).toBe(400);
      const locked = await signIn(ADMIN.username, ADMIN.password);
      expect(locked.statusCode).toBe(429);
      expect(locked.body).toContain('locked');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      expect(cookieOf(locked, 'laurel_session')).toBeUndefined();
      clock.advance(16 * 60_000);
      expect((await signIn(ADMIN.username, ADMIN.password)).statusCode).toBe(303);
    });

    it('limits sign-in attempts from one address to ten a minute', async () => {
      const from = '192.0.2.77';
      const statuses: number[] = [];
      for (let i = 0; i < 11; i += 1)
        statuses.push((await signIn('nobody@example.org', 'wrong password', { from })).statusCode);
      expect(statuses.slice(0, 10).every((status) => status === 400)).toBe(true);
      expect(statuses[10]).toBe(429);
      const limited = await signIn('nobody@example.org', 'wrong password', { from });
      expect(limited.json().detail).toMatch(/throttled/);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    });
  });
});
