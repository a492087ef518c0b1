import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsEnabled, launchBrowser } from '../../../test/helpers/browser.ts';
import { signInUpToCallback } from '../../../test/helpers/http-sign-in.ts';
import { OFF_SITE_NEXT_VALUES } from '../../../test/helpers/hostile-inputs.ts';
import { type LaurelWithLms, startLaurelWithLms } from '../../../test/helpers/laurel-with-lms.ts';

/** Fills the fake LMS's sign-in form. */
async function signInAtLms(page: Page, username: string) {
  await page.fill('input[name=login]', username);
  await page.fill('input[name=password]', 'any password');
  await page.click('button[type=submit]');
}

describe.runIf(browserTestsEnabled)('sign-in through the LMS', () => {
  let env: LaurelWithLms;
  let browser: Browser;

  beforeAll(async () => {
    env = await startLaurelWithLms();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('signs a user in with a real browser and shows who is signed in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${env.url}/`);
    await page.click('text=Sign in');
    await page.waitForURL(`${env.lms.url}/interaction/**`);
    await signInAtLms(page, 'learner');
    await page.waitForURL(`${env.url}/`);
    expect(await page.textContent('[data-testid=signed-in-as]')).toContain('learner');
    expect(await page.textContent('h1')).toBe('Welcome, Lee Learner');

    const session = (await context.cookies()).find((cookie) => cookie.name === 'laurel_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false, path: '/' });

    // Signing out ends the session here and offers to end the LMS's session too.
    await page.click('text=Sign out');
    await page.waitForSelector('text=You are signed out');
    expect(await page.getAttribute('a#provider-logout', 'href')).toBe(`${env.lms.url}/logout`);
    await page.goto(`${env.url}/`);
    expect(await page.textContent('header')).toContain('Sign in');
    await context.close();
  });

  it('gives the LMS administrator claim the admin role for the session', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${env.url}/login/?next=/api/v2/users/me/`);
    await signInAtLms(page, 'edx');
    await page.waitForURL(`${env.url}/api/v2/users/me/`);
    const me = JSON.parse((await page.textContent('body')) ?? '{}');
    expect(me).toMatchObject({ username: 'edx', roles: ['admin'], authenticated_by: 'session' });
    await context.close();
  });

  describe('hostile callbacks', () => {
    let callback: URL;
    let loginCookie: string;

    const call = (url: URL, cookie?: string) =>
      fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    const setsSession = (response: Response) =>
      response.headers
        .getSetCookie()
        .some((c) => c.startsWith('laurel_session=') && !c.startsWith('laurel_session=;'));

    beforeAll(async () => {
      ({ callback, loginCookie } = await signInUpToCallback(env.url, 'learner', '/records/'));
    });

    it('refuses a tampered state and creates no session', async () => {
      const tampered = new URL(callback);
      tampered.searchParams.set('state', `${callback.searchParams.get('state')}x`);
      const response = await call(tampered, loginCookie);
      expect(response.status).toBe(400);
      expect(setsSession(response)).toBe(false);
    });

    it('refuses a callback without the PKCE verifier it started with', async () => {
      const response = await call(callback);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('Sign-in failed');
      expect(setsSession(response)).toBe(false);
    });

    it('refuses a forged login cookie', async () => {
      const forged = `laurel_login=${Buffer.from(JSON.stringify({ state: 'x', verifier: 'y', next: '/', siteId: 1, expires: Date.now() + 60_000 })).toString('base64url')}.bad`;
      const response = await call(callback, forged);
      expect(response.status).toBe(400);
      expect(setsSession(response)).toBe(false);
    });

    it('accepts the genuine callback once, and refuses the same code again', async () => {
      const first = await call(callback, loginCookie);
      expect(first.status).toBe(303);
      expect(first.headers.get('location')).toBe('/records/');
      expect(setsSession(first)).toBe(true);

      const replay = await call(callback, loginCookie);
      expect(replay.status).toBe(400);
      expect(setsSession(replay)).toBe(false);
    });
  });

  it('never sends the browser off-site after sign-in, whatever `next` says', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${env.url}/login/?next=/`);
    await signInAtLms(page, 'learner');
    await page.waitForURL(`${env.url}/`);
    // Now signed in at the LMS: each further sign-in comes straight back, so every value is cheap to try.
    for (const next of OFF_SITE_NEXT_VALUES) {
      await page.goto(`${env.url}/login/?next=${encodeURIComponent(next)}`);
      expect(new URL(page.url()).origin, `next=${JSON.stringify(next)}`).toBe(env.url);
    }
    await context.close();
  });
});
