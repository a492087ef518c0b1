import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Browser, Request, Route } from 'playwright-core';
import { launchChromium } from '../../platform/chromium.ts';
import { withTimeout } from '../../platform/db/database.ts';
import { AppError, ServiceUnavailableError } from '../../platform/errors.ts';
import type { BlobStorage } from '../../platform/storage/storage.ts';

/** Paper sizes a certificate prints on, landscape. */
export type Paper = 'A4' | 'Letter';

/** What a print needs from the request asking for it. */
export interface PrintRequest {
  /** Answers the page's `/assets/…` requests, scoped to its site. */
  image: (sha256: string) => Promise<{ bytes: Buffer; contentType: string } | undefined>;
  log: FastifyBaseLogger;
  /** Aborted when the client leaves: a print still waiting for its turn is dropped. */
  signal: AbortSignal;
}

/** Where the page pretends to be while printing; nothing is ever fetched from it. */
const PRINT_ORIGIN = 'http://certificate.invalid';
/** PDFs printed at once; more wait (each is a Chromium page). */
const CONCURRENT_PRINTS = 2;
/** PDFs that may wait for a turn; more are refused rather than left to pile up. */
const WAITING_PRINTS = 8;
/** The longest a print may take, starting Chromium included: one that takes longer is hung, and killed. */
const PRINT_TIMEOUT_MS = 15_000;
/** Shutdown has about 2 s left once jobs have stopped: a Chromium not closed within this is killed. */
const CLOSE_TIMEOUT_MS = 1_000;
const RETRY_SECONDS = 5;
const TIMED_OUT = Symbol('timed out');

const STATIC_TYPES: Record<string, string> = {
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** A running Chromium, with the process id to kill it by when it stops answering. */
interface Chromium {
  browser: Browser;
  pid: number;
}

/** Asked at launch: a hung Chromium answers nothing. */
async function processId(browser: Browser): Promise<number> {
  const session = await browser.newBrowserCDPSession();
  const { processInfo } = await session.send('SystemInfo.getProcessInfo');
  await session.detach();
  const main = processInfo.find((info) => info.type === 'browser');
  if (!main) throw new Error('Chromium did not tell its process id.');
  return main.id;
}

/**
 * Prints certificate pages to PDF with headless Chromium: JavaScript off and no network. Every
 * request the page makes is answered here — the page itself, its stylesheet, the site's images — and
 * anything else is refused. PDFs are kept in blob storage by the hash of the page and paper, so a
 * certificate is printed once per version. Chromium is started on the first print and kept; one that
 * dies, fails to start or hangs is forgotten, and the next print starts another.
 */
export function createPdfPrinter(options: { chromiumPath: string; storage: BlobStorage; staticDir: string }) {
  const { chromiumPath, storage, staticDir } = options;
  const available = existsSync(chromiumPath);
  let browser: Promise<Chromium> | undefined;
  let closing = false;
  let running = 0;
  /** Prints waiting for a turn, first come first served. */
  const waiting = new Set<() => void>();

  function queue(signal: AbortSignal): Promise<void> {
    // Nginx's "client closed request": nobody reads it, and it is no fault of the server's.
    const left = () => new AppError(499, 'The client left before its PDF was printed.');
    if (signal.aborted) throw left();
    if (waiting.size >= WAITING_PRINTS)
      throw new ServiceUnavailableError('Too many PDFs are being printed: try again later.', RETRY_SECONDS);
    return new Promise((resolve, reject) => {
      const go = () => {
        signal.removeEventListener('abort', leave);
        resolve();
      };
      const leave = () => {
        waiting.delete(go);
        reject(left());
      };
      waiting.add(go);
      signal.addEventListener('abort', leave, { once: true });
    });
  }

  async function turn<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    if (running < CONCURRENT_PRINTS) running += 1;
    else await queue(signal); // the print that ends hands its turn over
    try {
      return await work();
    } finally {
      const [next] = waiting;
      if (next) {
        waiting.delete(next);
        next();
      } else running -= 1;
    }
  }

  function forget(launching: Promise<Chromium>) {
    if (browser === launching) browser = undefined;
  }

  function launch(): Promise<Chromium> {
    const launching = launchChromium(chromiumPath, { offline: true }).then(async (started) => {
      started.on('disconnected', () => forget(launching));
      return { browser: started, pid: await processId(started) };
    });
    launching.catch(() => forget(launching));
    return launching;
  }

  /** Kills a Chromium that stops answering, now or once it has started. */
  function kill(launching: Promise<Chromium>) {
    forget(launching);
    launching.then(
      ({ pid }) => {
        try {
          // Playwright starts Chromium as the leader of a process group: its renderers go with it.
          process.kill(-pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      },
      () => undefined,
    );
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

  /** The answer to a request of the page being printed; undefined refuses it. */
  async function answer(
    request: Request,
    html: string,
    image: PrintRequest['image'],
  ): Promise<Parameters<Route['fulfill']>[0]> {
    const url = new URL(request.url());
    // The page may not leave for another (a refresh in a template, to here or elsewhere): 204
    // keeps it where it is, where refusing would print Chromium's error page, or nothing.
    if (request.isNavigationRequest() && url.href !== `${PRINT_ORIGIN}/`) return { status: 204 };
    if (url.origin !== PRINT_ORIGIN) return undefined;
    if (url.pathname === '/') return { body: html, contentType: 'text/html; charset=utf-8' };
    if (url.pathname.startsWith('/static/')) return staticFile(url.pathname);
    if (!url.pathname.startsWith('/assets/')) return undefined;
    const asset = await image(url.pathname.slice('/assets/'.length));
    return asset && { body: asset.bytes, contentType: asset.contentType };
  }

  async function render(browser: Browser, html: string, paper: Paper, image: PrintRequest['image']) {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      // Playwright rethrows a route handler's error where nothing catches it, which would end the
      // process: the first is kept for the print to throw.
      let failure: unknown;
      await context.route('**/*', async (route) => {
        const found = await answer(route.request(), html, image).catch((error: unknown) => {
          failure ??= error;
          return undefined;
        });
        // Fails only when the page is gone, and the print with it.
        await (found ? route.fulfill(found) : route.abort()).catch(() => undefined);
      });
      const page = await context.newPage();
      await page.goto(`${PRINT_ORIGIN}/`, { waitUntil: 'load' });
      if (failure) throw failure;
      return await page.pdf({ format: paper, landscape: true, printBackground: true });
    } finally {
      await context.close();
    }
  }

  async function print(html: string, paper: Paper, { image, log }: PrintRequest): Promise<Buffer> {
    if (closing)
      throw new ServiceUnavailableError('This server is shutting down: try again later.', RETRY_SECONDS);
    const launching = (browser ??= launch());
    const printing = launching.then((chromium) => render(chromium.browser, html, paper, image));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(resolve, PRINT_TIMEOUT_MS, TIMED_OUT);
    });
    try {
      const printed = await Promise.race([printing, deadline]);
      if (printed !== TIMED_OUT) return printed;
      log.error({ timeoutMs: PRINT_TIMEOUT_MS }, 'Chromium took too long to print');
    } catch (error) {
      // With Chromium still there, the error is the page's (an image that could not be looked up).
      if ((await launching.catch(() => undefined))?.browser.isConnected()) throw error;
      log.error({ err: error }, 'Chromium failed to print');
    } finally {
      clearTimeout(timer);
    }
    // Dead, failed to start or hung: forgotten (and killed), so that the next print starts another.
    kill(launching);
    throw new ServiceUnavailableError('The PDF could not be printed: try again later.', RETRY_SECONDS);
  }

  return {
    /** Whether this server can print (a Chromium is installed where CHROMIUM_PATH says). */
    available,

    /** The PDF of a rendered certificate page (its ETag names the version). */
    async pdf(page: { html: string; etag: string }, paper: Paper, request: PrintRequest): Promise<Buffer> {
      if (!available)
        throw new ServiceUnavailableError('This server cannot print PDFs: no Chromium is installed.');
      const key = createHash('sha256').update(`${paper}\n${page.etag}\n${page.html}`).digest('hex');
      const stored = await storage.read(key);
      if (stored) return stored;
      const printed = await turn(request.signal, () => print(page.html, paper, request));
      // Only a cache: a PDF that cannot be kept (a full disk) is sent all the same.
      await storage.put(key, printed).catch((error: unknown) => {
        request.log.warn({ err: error }, 'could not keep a printed PDF');
      });
      return printed;
    },

    async close(): Promise<void> {
      closing = true;
      const started = browser;
      browser = undefined;
      if (!started) return;
      const closed = started.then((chromium) => chromium.browser.close());
      await withTimeout(closed, CLOSE_TIMEOUT_MS, 'closing Chromium').catch(() => kill(started));
    },
  };
}

export type PdfPrinter = ReturnType<typeof createPdfPrinter>;
