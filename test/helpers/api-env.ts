import { SignJWT } from 'jose';
import { CLI_ACTOR } from '../../src/modules/audit/audit.service.ts';
import type { Site } from '../../src/modules/sites/sites.service.ts';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/platform/db/database.ts';
import { type CatalogProgram, type FakeCatalog, startFakeCatalog } from '../fake-upstream/catalog.ts';
import { type TestApp, createTestApp } from './app.ts';
import { waitFor } from './wait.ts';

/** The LMS as a JWT issuer with a shared secret, as tests call the API. */
export const TEST_ISSUER = {
  issuer: 'https://lms.example.org/oauth2',
  audience: 'laurel',
  secret: 'api-tests-shared-secret-0123456789',
};

export interface ApiEnv {
  t: TestApp;
  catalog: FakeCatalog;
  site: Site;
  /** `Authorization` headers for a caller, minted on first use. */
  as(username: string, claims?: Record<string, unknown>): Promise<Record<string, string>>;
  /** Awards a course-run credential as the LMS does (a POST by `lms_worker`); answers its UUID. */
  award(username: string, runKey: string, mode?: string): Promise<string>;
  /** A program of the fixture catalog with at least two courses, given a credential configuration. */
  configureProgram(): Promise<CatalogProgram>;
  /** Waits until every program completion job queued so far has run. */
  completionSettled(): Promise<void>;
  close(): Promise<void>;
}

/** A signed JWT such as the LMS issues. */
export function mintJwt(username: string, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ preferred_username: username, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(TEST_ISSUER.issuer)
    .setAudience(TEST_ISSUER.audience)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(TEST_ISSUER.secret));
}

/**
 * The app with the fixture catalog copied onto its `localhost` site, trusting tokens of TEST_ISSUER,
 * with `lms_worker` as the LMS's service user (issuer role).
 */
export async function startApiEnv(
  env: Record<string, string> = {},
  options: Parameters<typeof createTestApp>[1] = {},
): Promise<ApiEnv> {
  const catalog = await startFakeCatalog();
  const t = await createTestApp(
    {
      JWT_ISSUERS: JSON.stringify([TEST_ISSUER]),
      SERVICE_USERS: JSON.stringify({ lms_worker: ['issuer'] }),
      ...env,
    },
    options,
  );
  const { sites, catalog: catalogService } = t.app.laurel.services;
  const site = await sites.update('localhost', { catalogApiUrl: catalog.apiUrl }, CLI_ACTOR);
  await catalogService.syncSite(site, {}, CLI_ACTOR);
  const headers = new Map<string, Record<string, string>>();
  const as = async (username: string, claims: Record<string, unknown> = {}) => {
    const key = `${username}:${JSON.stringify(claims)}`;
    if (!headers.has(key)) headers.set(key, { authorization: `JWT ${await mintJwt(username, claims)}` });
    return headers.get(key) as Record<string, string>;
  };
  return {
    t,
    catalog,
    site,
    as,
    async award(username, runKey, mode = 'verified') {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v2/credentials/',
        headers: await as('lms_worker'),
        payload: { username, credential: { course_run_key: runKey, mode }, status: 'awarded' },
      });
      if (response.statusCode !== 201)
        throw new Error(`award ${username}: ${response.statusCode} ${response.body}`);
      return response.json().uuid as string;
    },
    async configureProgram() {
      const program = catalog.data.programs.find((p) => new Set(p.courses.map((c) => c.uuid)).size >= 2);
      if (!program) throw new Error('the fixture catalog has no program of two courses');
      await t.database.db.execute(sql`
        insert into credential_configs (site_id, uuid, kind, program_id)
        select ${site.id}, gen_random_uuid(), 'program', id from programs where uuid = ${program.uuid}`);
      return program;
    },
    completionSettled: () =>
      waitFor(async () => {
        const [pending] = await queryRows<{ n: number }>(
          t.database.db,
          sql`select count(*)::int as n from pgboss.job
              where name = 'programs.evaluate-completion' and state in ('created', 'retry', 'active')`,
        );
        return pending?.n === 0;
      }, 'the completion jobs'),
    async close() {
      await t.close();
      await catalog.stop();
    },
  };
}
