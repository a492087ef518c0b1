import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type AppOptions, buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { createTestDatabase } from './database.ts';
import { TEST_REDIS_URL } from './engine.ts';

/** Configuration for a test: quiet logs, its own data directory, Redis when the run has one. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'laurel-test-')),
    PUBLIC_URL: 'http://localhost:8150',
    ...(TEST_REDIS_URL
      ? { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: `laurel-test:${randomUUID()}:` }
      : {}),
    ...env,
  });
}

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  config: Config;
  close(): Promise<void>;
}

/** The real app on a fresh database of its own. */
export async function createTestApp(
  env: Record<string, string> = {},
  options: Pick<AppOptions, 'clock' | 'logger'> = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = testConfig({ DATABASE_URL: database.url, ...env });
  const app = await buildApp(config, { database, jobPollingIntervalSeconds: 0.5, ...options });
  return {
    app,
    database,
    config,
    async close() {
      await app.close();
      await database.close();
    },
  };
}
