import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../platform/chromium.ts';
import { ServiceUnavailableError } from '../../platform/errors.ts';
import type { BlobStorage } from '../../platform/storage/storage.ts';

/** Paper sizes a certificate prints on, landscape. */
export type Paper = 'A4' | 'Letter';

/** Where the page pretends to be while printing; nothing is ever fetched from it. */
const PRINT_ORIGIN = 'http://certificate.invalid';
/** PDFs printed at once; more wait (each is a Chromium page). */
const CONCURRENT_PRINTS = 2;
const PRINT_TIMEOUT_MS = 15_000;

const STATIC_TYPES: Record<string, string> = {
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Prints certificate pages to PDF with headless Chromium: JavaScript off and no network. Every
 * request the page makes is answered here — the page itself, its stylesheet, the site's images — and
 * anything else is refused. PDFs are kept in blob storage by the hash of the page and paper, so a
 * certificate is printed once per version. Chromium is started on the first print and kept.
 */
export function createPdfPrinter(options: { chromiumPath: string; storage: BlobStorage; staticDir: string }) {
  const { chromiumPath, storage, staticDir } = options;
  const available = existsSync(chromiumPath);
  let browser: Promise<Browser> | undefined;
  let running = 0;
  const waiting: (() => void)[] = [];

  async function turn<T>(work: () => Promise<T>): Promise<T> {
    if (running >= CONCURRENT_PRINTS) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await work();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  }

  async function staticFile(path: string): Promise<{ body: Buffer; contentType: string } | undefined> {
    const relative = normalize(path.slice('/static/'.length));
    const contentType = STATIC_TYPES[extname(relative)];
    if (!contentType || relative.startsWith('..')) return undefined;
    return readFile(join(staticDir, relative)).then(
      (body) => ({ body, contentType }),
      () => undefined,
    );
  }

  async function print(
    html: string,
    paper: Paper,
    image: (sha256: string) => Promise<{ bytes: Buffer; contentType: string } | undefined>,
  ) {
    browser ??= launchChromium(chromiumPath, { offline: true });
    const context = await (await browser).newContext({ javaScriptEnabled: false });
    try {
      await context.route('**/*', async (route) => {
        const url = new URL(route.request().url());
        // The page may not leave for another (a refresh in a template, to here or elsewhere): 204
        // keeps it where it is, where refusing would print Chromium's error page, or nothing.
        if (route.request().isNavigationRequest() && url.href !== `${PRINT_ORIGIN}/`)
          return route.fulfill({ status: 204 });
        if (url.origin !== PRINT_ORIGIN) return route.abort();
        if (url.pathname === '/')
          return route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' });
        const found = url.pathname.startsWith('/static/')
          ? await staticFile(url.pathname)
          : url.pathname.startsWith('/assets/')
            ? await image(url.pathname.slice('/assets/'.length)).then(
                (asset) => asset && { body: asset.bytes, contentType: asset.contentType },
              )
            : undefined;
        return found ? route.fulfill(found) : route.abort();
      });
      const page = await context.newPage();
      await page.goto(`${PRINT_ORIGIN}/`, { waitUntil: 'load', timeout: PRINT_TIMEOUT_MS });
      return await page.pdf({ format: paper, landscape: true, printBackground: true });
    } finally {
      await context.close();
    }
  }

  return {
    /** Whether this server can print (a Chromium is installed where CHROMIUM_PATH says). */
    available,

    /**
     * The PDF of a rendered certificate page (its ETag names the version); `image` answers the
     * page's `/assets/…` requests, scoped to its site.
     */
    async pdf(
      page: { html: string; etag: string },
      paper: Paper,
      image: (sha256: string) => Promise<{ bytes: Buffer; contentType: string } | undefined>,
    ): Promise<Buffer> {
      if (!available)
        throw new ServiceUnavailableError('This server cannot print PDFs: no Chromium is installed.');
      const key = createHash('sha256').update(`${paper}\n${page.etag}\n${page.html}`).digest('hex');
      const stored = await storage.read(key);
      if (stored) return stored;
      const printed = await turn(() => print(page.html, paper, image));
      await storage.put(key, printed);
      return printed;
    },

    async close(): Promise<void> {
      const started = browser;
      browser = undefined;
      // A browser that never started has nothing to close.
      await started?.then((running) => running.close()).catch(() => undefined);
    },
  };
}

export type PdfPrinter = ReturnType<typeof createPdfPrinter>;
