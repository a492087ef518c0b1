import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import axe from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEnv, mintJwt, startApiEnv } from '../../../test/helpers/api-env.ts';
import { browserTestsEnabled, launchBrowser } from '../../../test/helpers/browser.ts';
import { CERTIFICATE_LANGUAGES } from './certificate-messages.ts';

/** Set to write the screenshots committed under docs/images/ (`UPDATE_SCREENSHOTS=1 npx vitest run …`). */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? new URL('../../../docs/images/', import.meta.url) : null;

/** Every built-in certificate: both kinds in every language. */
const CERTIFICATES = (['course-run', 'program'] as const).flatMap((kind) =>
  CERTIFICATE_LANGUAGES.map((language) => ({ kind, language })),
);

/** Pages in a PDF: each page object is `/Type /Page` (the tree's root is `/Type /Pages`). */
const pdfPages = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;

describe.runIf(browserTestsEnabled)('built-in certificates in Chromium', () => {
  let env: ApiEnv;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    env = await startApiEnv();
    await env.t.app.listen({ host: '127.0.0.1', port: 0 });
    origin = `http://localhost:${(env.t.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  /** Opens a page, failing on any console error or page error (CSP violations are console errors). */
  async function open(
    url: string,
    options: { bypassCSP?: boolean; extraHTTPHeaders?: Record<string, string> } = {},
  ): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    const response = await page.goto(url, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    return { page, errors };
  }

  /** axe's serious and critical WCAG 2.2 AA findings. Open the page with `bypassCSP`: axe is an injected script. */
  async function seriousViolations(page: Page): Promise<string[]> {
    await page.addScriptTag({ content: axe.source });
    return page.evaluate(async () => {
      const result = await (globalThis as unknown as { axe: typeof axe }).axe.run({
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      });
      return result.violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map(
          (violation) =>
            `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
        );
    });
  }

  const sidewaysScroll = (page: Page) =>
    page.evaluate('document.documentElement.scrollWidth - window.innerWidth');

  for (const { kind, language } of CERTIFICATES) {
    const url = () => `${origin}/credentials/example/?kind=${kind}&language=${language}`;

    it(`${kind} in ${language}: no errors, no sideways scrolling at 375 px, one printed page`, async () => {
      const { page, errors } = await open(url());
      expect(await page.getAttribute('html', 'lang')).toBe(language);
      if (SCREENSHOTS) {
        await mkdir(SCREENSHOTS, { recursive: true });
        const path = new URL(`certificate-${kind}-${language}.png`, SCREENSHOTS).pathname;
        await page.screenshot({ path, fullPage: true });
      }
      await page.setViewportSize({ width: 375, height: 812 });
      expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
      for (const format of ['A4', 'Letter'] as const) {
        expect(pdfPages(await page.pdf({ format, landscape: true, printBackground: true }))).toBe(1);
      }
      expect(errors).toEqual([]);
      await page.context().close();
    });

    it(`${kind} in ${language}: axe finds no serious or critical accessibility problem`, async () => {
      const { page } = await open(url(), { bypassCSP: true });
      expect(await seriousViolations(page)).toEqual([]);
      await page.context().close();
    });
  }

  it('gives the owner a working, accessible sharing banner that fits a phone', async () => {
    const issued = await env.t.app.inject({
      method: 'POST',
      url: '/api/v2/credentials/',
      headers: await env.as('lms_worker'),
      payload: {
        username: 'proud-owner',
        credential: { course_run_key: env.catalog.data.courses[0]!.course_runs[0]!.key, mode: 'verified' },
      },
    });
    const url = `${origin}/credentials/${(issued.json().uuid as string).replace(/-/g, '')}/`;
    const asOwner = { authorization: `JWT ${await mintJwt('proud-owner', { name: 'Proud Owner' })}` };
    const { page, errors } = await open(url, { extraHTTPHeaders: asOwner });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    await page.getByRole('button', { name: 'Copy link' }).click();
    await expect.poll(() => page.textContent('.copy-status')).toBe('Link copied');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(url);
    if (SCREENSHOTS)
      await page.screenshot({ path: new URL('certificate-owner-banner.png', SCREENSHOTS).pathname });
    await page.setViewportSize({ width: 375, height: 812 });
    expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
    await page.context().close();

    const audited = await open(url, { bypassCSP: true, extraHTTPHeaders: asOwner });
    expect(await seriousViolations(audited.page)).toEqual([]);
    await audited.page.context().close();
  });
});
