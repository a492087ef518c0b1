import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { type Database, openDatabase, queryRows } from '../../src/platform/db/database.ts';
import { mintJwt, TEST_ISSUER } from '../helpers/api-env.ts';
import { testConfig } from '../helpers/app.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { onPostgres, TEST_REDIS_URL } from '../helpers/engine.ts';
import { capturingLogger } from '../helpers/logs.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { waitFor } from '../helpers/wait.ts';
import { lockWaits } from '../helpers/lock-waits.ts';

/** The URL with its port replaced by the proxy's, on 127.0.0.1. */
const through = (url: string, proxy: TcpProxy) => {
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return proxied.toString();
};

const RUN_KEY = 'course-v1:A+B+C';

// PostgreSQL and Redis reached through TCP proxies that the test cuts: there is no network to PGlite.
describe.runIf(onPostgres)('when PostgreSQL or Redis cannot be reached', () => {
  const lines: Record<string, unknown>[] = [];
  let fresh: Awaited<ReturnType<typeof createTestDatabase>>;
  let postgres: TcpProxy;
  let redis: TcpProxy | undefined;
  let database: Database;
  let app: FastifyInstance;
  let headers: Record<string, string>;

  beforeAll(async () => {
    fresh = await createTestDatabase();
    const target = new URL(fresh.url);
    postgres = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const databaseUrl = through(fresh.url, postgres);
    if (TEST_REDIS_URL) {
      const redisTarget = new URL(TEST_REDIS_URL);
      redis = await startTcpProxy(redisTarget.hostname, Number(redisTarget.port || 6379));
    }
    database = await openDatabase(databaseUrl, { poolSize: 2, statementTimeoutMs: 1000 });
    const config = testConfig({
      DATABASE_URL: databaseUrl,
      JWT_ISSUERS: JSON.stringify([TEST_ISSUER]),
      SERVICE_USERS: JSON.stringify({ lms_worker: ['issuer'] }),
      ...(redis && TEST_REDIS_URL && { REDIS_URL: through(TEST_REDIS_URL, redis) }),
    });
    app = await buildApp(config, { database, logger: capturingLogger(lines) });
    headers = { authorization: `JWT ${await mintJwt('lms_worker')}` };
    // A course run in the site's catalog, as a sync would have left it.
    await database.db.execute(sql`
      with course as (
        insert into courses (site_id, uuid, key) select id, gen_random_uuid(), 'A+B' from sites limit 1
        returning site_id, id)
      insert into course_runs (site_id, course_id, uuid, key)
      select site_id, id, gen_random_uuid(), ${RUN_KEY} from course`);
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
    await postgres?.close();
    await redis?.close();
    await fresh?.close();
  });

  const list = () => app.inject({ url: '/api/v2/credentials/?username=nobody', headers });
  const certificatePage = () => app.inject({ url: `/credentials/${'a'.repeat(32)}/` });

  it('answers 503 with Retry-After while PostgreSQL is away, and serves again once it is back', async () => {
    expect((await list()).statusCode).toBe(200);
    await postgres.cut();
    const away = await list();
    expect(away.statusCode).toBe(503);
    expect(away.headers['retry-after']).toBe('5');
    expect(away.json()).toEqual({
      detail: 'A service Laurel needs cannot be reached: try again in a few seconds.',
    });
    expect(lines.some((line) => line.msg === 'service unavailable' && line.level === 50)).toBe(true);
    await postgres.restore();
    await waitFor(async () => (await list()).statusCode === 200, 'the API to answer again');
  });

  it('answers 503 when PostgreSQL stops answering, soon, and serves again once it answers', async () => {
    expect((await list()).statusCode).toBe(200);
    postgres.stall();
    const started = Date.now();
    try {
      expect((await list()).statusCode).toBe(503);
      // The statement limit (1 s here) and 2 s more; not the minutes of a TCP timeout.
      expect(Date.now() - started).toBeLessThan(6000);
    } finally {
      postgres.resume();
    }
    await waitFor(async () => (await list()).statusCode === 200, 'the API to answer again');
  });

  it('answers a bulk request 503 when PostgreSQL goes away while its items are written', async () => {
    const bulk = (username: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v2/credentials/bulk/',
        headers,
        payload: {
          items: [
            {
              username,
              status: 'awarded',
              credential: { course_run_key: 'course-v1:A+B+C', mode: 'verified' },
            },
          ],
        },
      });
    expect((await bulk('before')).json()).toMatchObject({ succeeded: 1 });
    // A second connection, straight to PostgreSQL, holds the write until the proxy is cut.
    const locker = new pg.Client({ connectionString: fresh.url });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table user_credentials in exclusive mode');
      const answer = bulk('during');
      await lockWaits(locker, 'the write to wait for the lock', { event: 'relation' });
      await postgres.cut();
      const away = await answer;
      expect(away.statusCode).toBe(503);
      expect(away.headers['retry-after']).toBe('5');
      await locker.query('rollback');
    } finally {
      await locker.end();
      await postgres.restore();
    }
    await waitFor(async () => (await bulk('during')).statusCode === 200, 'bulk issuance to work again');
    const written = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from user_credentials`,
    );
    expect(written).toEqual([{ n: 2 }]);
  });

  describe.runIf(TEST_REDIS_URL)('a revocation while Redis goes away', () => {
    const issue = (username: string, status: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v2/credentials/',
        headers,
        payload: { username, status, credential: { course_run_key: RUN_KEY, mode: 'verified' } },
      });
    /** A learner's credential, its page shown twice (so cached), and what bumps its change token. */
    const shownCredential = async (username: string) => {
      const uuid = (await issue(username, 'awarded')).json().uuid as string;
      const page = () => app.inject({ url: `/credentials/${uuid.replaceAll('-', '')}/` });
      expect((await page()).statusCode).toBe(200);
      expect((await page()).statusCode).toBe(200);
      return { page, bump: new RegExp(`del\\r\\n\\$\\d+\\r\\n[^\\r]*changes:credential:${uuid}`, 'i') };
    };
    const pageAnswers = async (page: () => Promise<{ statusCode: number }>) => {
      await redis?.restore();
      await waitFor(async () => (await page()).statusCode !== 503, 'pages to answer again');
      return (await page()).statusCode;
    };

    it('is not made while its cache bump cannot be, and hides the page once made', async () => {
      const { page, bump } = await shownCredential('revoked.while.away');
      redis?.cutOn(bump);
      expect((await issue('revoked.while.away', 'revoked')).statusCode).toBe(503);
      expect(await pageAnswers(page)).toBe(200);
      expect((await issue('revoked.while.away', 'revoked')).statusCode).toBe(201);
      expect((await page()).statusCode).toBe(404);
    });

    it('is answered as made when only the bump after its commit fails, and its page is hidden', async () => {
      const { page, bump } = await shownCredential('revoked.then.away');
      redis?.cutOn(bump, 2);
      const revoked = await issue('revoked.then.away', 'revoked');
      expect(revoked.statusCode).toBe(201);
      expect(revoked.json().status).toBe('revoked');
      expect(lines.some((line) => line.msg === 'changes committed, but their tokens not bumped after')).toBe(
        true,
      );
      expect(await pageAnswers(page)).toBe(404);
    });
  });

  it.runIf(TEST_REDIS_URL)('answers 503 when Redis stops answering, soon', async () => {
    expect((await certificatePage()).statusCode).toBe(404);
    redis?.stall();
    const started = Date.now();
    try {
      expect((await certificatePage()).statusCode).toBe(503);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      redis?.resume();
    }
    await waitFor(async () => (await certificatePage()).statusCode === 404, 'pages to answer again');
  });

  it.runIf(TEST_REDIS_URL)('answers 503 while Redis is away, and serves again once it is back', async () => {
    expect((await certificatePage()).statusCode).toBe(404);
    await redis?.cut();
    expect((await certificatePage()).statusCode).toBe(503);
    await redis?.restore();
    await waitFor(async () => (await certificatePage()).statusCode === 404, 'pages to answer again');
  });
});
