import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import axe from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, createTestApp } from '../../../test/helpers/app.ts';
import { browserTestsEnabled, launchBrowser } from '../../../test/helpers/browser.ts';

/** Set to write the screenshots committed under docs/images/ (`UPDATE_SCREENSHOTS=1 npx vitest run …`). */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? new URL('../../../docs/images/', import.meta.url) : null;

const CERTIFICATES = [
  { kind: 'course-run', language: 'en' },
  { kind: 'program', language: 'en' },
  { kind: 'program', language: 'es' },
  { kind: 'course-run', language: 'fr' },
  { kind: 'program', language: 'ar' },
  { kind: 'course-run', language: 'zh' },
] as const;

/** Pages in a PDF: each page object is `/Type /Page` (the tree's root is `/Type /Pages`). */
const pdfPages = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;

describe.runIf(browserTestsEnabled)('built-in certificates in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    origin = `http://localhost:${(t.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Opens a page, failing on any console error or page error (CSP violations are console errors). */
  async function open(
    url: string,
    options: { bypassCSP?: boolean } = {},
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

  for (const { kind, language } of CERTIFICATES) {
    const url = () => `${origin}/credentials/example/?kind=${kind}&language=${language}`;

    it(`${kind} in ${language}: no errors, no sideways scrolling at 375 px, one printed page`, async () => {
      const { page, errors } = await open(url());
      expect(await page.getAttribute('html', 'lang')).toBe(language);
      if (SCREENSHOTS) {
        await mkdir(SCREENSHOTS, { recursive: true });
        await page.screenshot({
          path: new URL(`certificate-${kind}-${language}.png`, SCREENSHOTS).pathname,
          fullPage: true,
        });
      }
      await page.setViewportSize({ width: 375, height: 812 });
      const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      for (const format of ['A4', 'Letter'] as const) {
        expect(pdfPages(await page.pdf({ format, landscape: true, printBackground: true }))).toBe(1);
      }
      expect(errors).toEqual([]);
      await page.context().close();
    });

    it(`${kind} in ${language}: axe finds no serious or critical accessibility problem`, async () => {
      // axe is injected as a script, which the page's own CSP would rightly refuse.
      const { page } = await open(url(), { bypassCSP: true });
      await page.addScriptTag({ content: axe.source });
      const violations = await page.evaluate(async () => {
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
      expect(violations).toEqual([]);
      await page.context().close();
    });
  }
});
