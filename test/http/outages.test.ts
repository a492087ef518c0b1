import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { type Database, openDatabase } from '../../src/platform/db/database.ts';
import { mintJwt, TEST_ISSUER } from '../helpers/api-env.ts';
import { testConfig } from '../helpers/app.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { onPostgres, TEST_REDIS_URL } from '../helpers/engine.ts';
import { capturingLogger } from '../helpers/logs.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { waitFor } from '../helpers/wait.ts';

/** The URL with its port replaced by the proxy's, on 127.0.0.1. */
const through = (url: string, proxy: TcpProxy) => {
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return proxied.toString();
};

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
    database = await openDatabase(databaseUrl, { poolSize: 2 });
    const config = testConfig({
      DATABASE_URL: databaseUrl,
      JWT_ISSUERS: JSON.stringify([TEST_ISSUER]),
      SERVICE_USERS: JSON.stringify({ lms_worker: ['issuer'] }),
      ...(redis && TEST_REDIS_URL && { REDIS_URL: through(TEST_REDIS_URL, redis) }),
    });
    app = await buildApp(config, { database, logger: capturingLogger(lines) });
    headers = { authorization: `JWT ${await mintJwt('lms_worker')}` };
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

  it.runIf(TEST_REDIS_URL)('answers 503 while Redis is away, and serves again once it is back', async () => {
    expect((await certificatePage()).statusCode).toBe(404);
    await redis?.cut();
    expect((await certificatePage()).statusCode).toBe(503);
    await redis?.restore();
    await waitFor(async () => (await certificatePage()).statusCode === 404, 'pages to answer again');
  });
});
