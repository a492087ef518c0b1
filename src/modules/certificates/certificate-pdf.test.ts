import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import { CHROMIUM_PATH, browserTestsEnabled } from '../../../test/helpers/browser.ts';
import { onPostgres } from '../../../test/helpers/engine.ts';
import { capturingLogger } from '../../../test/helpers/logs.ts';
import { waitFor } from '../../../test/helpers/wait.ts';
import { lockWaits } from '../../../test/helpers/lock-waits.ts';

/** The machine's processes, zombies included. */
function processes() {
  return readdirSync('/proc').flatMap((entry) => {
    let stat = '';
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      // Not a process, or one that ended while listed.
    }
    const [, comm, state, ppid, pgrp] = /^\d+ \((.*)\) (\S) (\d+) (\d+)/.exec(stat) ?? [];
    return comm ? [{ pid: Number(entry), comm, state, ppid: Number(ppid), pgrp: Number(pgrp) }] : [];
  });
}

/** The printing Chromium's process id: Playwright starts it from this process. */
function printingChromium(): number | undefined {
  return processes().find(
    (found) => found.ppid === process.pid && found.comm === 'chromium' && found.state !== 'Z',
  )?.pid;
}

/** Whether any process of Chromium's process group is still there (a zombie counts until it is reaped). */
const groupAlive = (pgrp: number) => processes().some((found) => found.pgrp === pgrp);

/** SIGKILL, SIGSTOP… to Chromium and its renderers (a process group of their own). */
const signalChromium = (pid: number, signal: NodeJS.Signals) => process.kill(-pid, signal);

/**
 * Chromium through a script that fails to start while `${script}.fail` exists, so that a test can
 * make one launch fail.
 */
function flakyChromium(): string {
  const script = join(mkdtempSync(join(tmpdir(), 'laurel-chromium-')), 'chromium');
  writeFileSync(script, `#!/bin/sh\n[ -e "$0.fail" ] && exit 1\nexec ${CHROMIUM_PATH} "$@"\n`);
  chmodSync(script, 0o755);
  return script;
}

const UNPRINTED = { detail: 'The PDF could not be printed: try again later.' };

describe.runIf(browserTestsEnabled)('certificate PDFs when printing goes wrong', () => {
  let env: ApiEnv;
  let chromiumPath: string;
  const lines: Record<string, unknown>[] = [];
  let logo: { sha256: string; bytes: Buffer };

  beforeAll(async () => {
    chromiumPath = flakyChromium();
    env = await startApiEnv({ CHROMIUM_PATH: chromiumPath }, { logger: capturingLogger(lines) });
    const staff = await env.as('staff', { administrator: true });
    const bytes = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#1e5a3c' } })
      .png()
      .toBuffer();
    const uploaded = await env.t.app.inject({
      method: 'POST',
      url: '/api/v2/assets/?name=logo.png',
      headers: { ...staff, 'content-type': 'image/png' },
      payload: bytes,
    });
    logo = { sha256: uploaded.json().sha256, bytes };
    // Every certificate shows the image, so every print looks it up.
    const footer = await env.t.app.inject({
      method: 'POST',
      url: '/api/v2/templates/',
      headers: staff,
      payload: { part: 'footer', scope: 'site', body: `<img src="/assets/${logo.sha256}" alt="logo">` },
    });
    expect(footer.statusCode).toBe(201);
  });
  afterEach(() => {
    // A test that failed may have left Chromium stopped.
    const chromium = printingChromium();
    if (chromium) signalChromium(chromium, 'SIGCONT');
  });
  afterAll(async () => {
    await env?.close();
    if (chromiumPath) rmSync(dirname(chromiumPath), { recursive: true });
  });

  let learners = 0;
  /** A new certificate's id: PDFs are kept per certificate version, so its PDF is printed anew. */
  const award = async () => {
    const uuid = await env.award(`learner-${++learners}`, env.catalog.data.courses[0]!.course_runs[0]!.key);
    return uuid.replace(/-/g, '');
  };
  const pdf = (hex: string, signal?: AbortSignal) =>
    env.t.app.inject({ method: 'GET', url: `/credentials/${hex}/pdf`, signal });
  const printNew = async () => pdf(await award());
  const expectPdf = (response: Awaited<ReturnType<typeof pdf>>) => {
    expect(response.statusCode, response.body).toBe(200);
    expect(response.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  };
  /** Kills the printing Chromium, if one runs, and waits until it is reaped and Playwright has told. */
  const killChromium = async () => {
    const chromium = printingChromium();
    if (!chromium) return;
    signalChromium(chromium, 'SIGKILL');
    await waitFor(() => !groupAlive(chromium), 'Chromium to be gone');
    await sleep(200);
  };

  it('answers 500 when an image of the page cannot be read, and keeps printing', async () => {
    expectPdf(await printNew());
    const { sha256 } = logo;
    const file = join(env.t.config.dataDir, 'assets', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
    rmSync(file);
    mkdirSync(file); // EISDIR, not the ENOENT of a missing image
    try {
      const unreadable = await printNew();
      expect(unreadable.statusCode).toBe(500);
      expect(unreadable.json()).toEqual({ detail: 'A server error occurred.' });
    } finally {
      rmSync(file, { recursive: true });
      writeFileSync(file, logo.bytes);
    }

    expectPdf(await printNew());
  });

  it('sends the PDF it could not keep on disk, with a warning', async () => {
    // A file where the PDFs' directory should be: nothing can be written under it (root or not).
    const pdfs = join(env.t.config.dataDir, 'pdf');
    rmSync(pdfs, { recursive: true, force: true });
    writeFileSync(pdfs, '');
    try {
      expectPdf(await printNew());
    } finally {
      rmSync(pdfs);
    }
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'could not keep a printed PDF' }));
  });

  it('prints again after Chromium died between prints', async () => {
    expectPdf(await printNew());
    await killChromium();
    expectPdf(await printNew());
  });

  // A second connection holds the image's lookup while Chromium dies: PostgreSQL only.
  it.runIf(onPostgres)('answers 503 when Chromium dies during a print, and prints again', async () => {
    const hex = await award();
    // The page is rendered first, so that only the print's image lookup meets the lock.
    expect((await env.t.app.inject({ url: `/credentials/${hex}/` })).statusCode).toBe(200);
    const locker = new pg.Client({ connectionString: env.t.config.databaseUrl });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table assets in access exclusive mode');
      const printing = pdf(hex);
      await lockWaits(locker, 'the image lookup to wait');
      await killChromium();
      await locker.query('rollback');
      const interrupted = await printing;
      expect(interrupted.statusCode).toBe(503);
      expect(interrupted.headers['retry-after']).toBe('5');
      expect(interrupted.json()).toEqual(UNPRINTED);
    } finally {
      await locker.end();
    }
    expectPdf(await printNew());
  });

  it('prints again after Chromium failed to start once (503)', async () => {
    await killChromium();
    writeFileSync(`${chromiumPath}.fail`, '');
    try {
      const failed = await printNew();
      expect(failed.statusCode).toBe(503);
      expect(failed.json()).toEqual(UNPRINTED);
    } finally {
      rmSync(`${chromiumPath}.fail`);
    }
    expectPdf(await printNew());
  });

  it('kills a hung Chromium after 15 s, refuses prints past a full queue, forgets clients that left', async () => {
    expectPdf(await printNew());
    const hung = printingChromium()!;
    signalChromium(hung, 'SIGSTOP');
    // Certificates first, so that their prints reach the printer at once, and in this order.
    const [stuckHex, queuedHex, leavingHex, refusedHex, lastHex] = await Promise.all(
      [2, 7, 1, 1, 1].map((count) => Promise.all(Array.from({ length: count }, award))),
    );
    const started = Date.now();
    const stuck = stuckHex!.map((hex) => pdf(hex));
    await sleep(500);
    const queued = queuedHex!.map((hex) => pdf(hex));
    await sleep(500);
    const leaving = new AbortController();
    const left = pdf(leavingHex![0]!, leaving.signal);
    await sleep(500);

    const refused = await pdf(refusedHex![0]!);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.json()).toEqual({ detail: 'Too many PDFs are being printed: try again later.' });

    // A client that leaves makes room for another.
    leaving.abort();
    await expect(left).rejects.toThrow();
    const lastIn = pdf(lastHex![0]!);
    expect(await Promise.race([lastIn.then(() => 'answered'), sleep(1000, 'waiting')])).toBe('waiting');

    for (const response of await Promise.all(stuck)) {
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual(UNPRINTED);
    }
    expect(Date.now() - started).toBeLessThan(20_000);
    await waitFor(() => !groupAlive(hung), 'the hung Chromium to be killed', 5000);
    for (const response of await Promise.all([...queued, lastIn])) expectPdf(response);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 50, msg: 'Chromium took too long to print' }),
    );
  }, 60_000);
});

describe.runIf(browserTestsEnabled)('shutting down while Chromium hangs', () => {
  it('kills Chromium in time, and starts no other for the prints still waiting', async () => {
    const env = await startApiEnv({ CHROMIUM_PATH });
    try {
      const key = env.catalog.data.courses[0]!.course_runs[0]!.key;
      const [first, ...others] = await Promise.all(
        ['first', 'second', 'third', 'fourth'].map(async (username) =>
          (await env.award(username, key)).replace(/-/g, ''),
        ),
      );
      const pdf = (hex: string) => env.t.app.inject({ method: 'GET', url: `/credentials/${hex}/pdf` });
      expect((await pdf(first!)).statusCode).toBe(200);
      const hung = printingChromium()!;
      signalChromium(hung, 'SIGSTOP');
      // Two printing, one waiting for a turn.
      const inFlight = others.map(pdf);
      await sleep(1000);

      const closing = Date.now();
      await env.close();
      // Within shutdown's 12 s: 5 s for running requests, then a second for Chromium.
      expect(Date.now() - closing).toBeLessThan(10_000);
      for (const response of await Promise.all(inFlight)) expect(response.statusCode).toBe(503);
      await waitFor(() => !groupAlive(hung), 'the hung Chromium to be killed', 5000);
      await sleep(500);
      expect(printingChromium()).toBeUndefined();
    } finally {
      const left = printingChromium();
      if (left) signalChromium(left, 'SIGKILL');
    }
  }, 30_000);
});
