import { getTableColumns, is, sql } from 'drizzle-orm';
import { PgTable, getTableConfig } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/database.ts';
import { BUILT_IN_ROLES } from '../../modules/users/permissions.ts';
import type { Database } from './database.ts';
import { runMigrations } from './migrate.ts';
import * as schema from './schema.ts';

const tables = Object.values(schema as Record<string, unknown>).filter((value): value is PgTable =>
  is(value, PgTable),
);

/** Tables that are not owned by one site, or are owned through a parent row that is. */
const NOT_SITE_OWNED = new Set([
  'sites',
  'users',
  'roles',
  'role_permissions',
  'user_roles',
  'audit_log',
  'course_owners',
  'program_course_runs',
  'program_authoring_organizations',
  'pathway_programs',
  'credential_config_signatories',
  'template_versions',
  'user_credential_attributes',
]);
const JOIN_TABLES = new Set([
  'role_permissions',
  'course_owners',
  'program_course_runs',
  'program_authoring_organizations',
  'pathway_programs',
  'credential_config_signatories',
]);
const APPEND_ONLY = new Set(['audit_log', 'credential_events']);

describe('data model', () => {
  let database: Database;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  const run = async (query: ReturnType<typeof sql>) =>
    (await database.db.execute(query)) as unknown as { rows: Record<string, unknown>[] };
  /** PostgreSQL error codes: 23505 unique, 23514 check, 23001 restricted delete, 42501 refused by trigger. */
  const refused = (query: ReturnType<typeof sql>, code: string) =>
    expect(run(query)).rejects.toMatchObject({ cause: { code } });

  it.each(tables.map((table) => [getTableConfig(table).name, table] as const))(
    '%s carries site_id and timestamps as the design requires',
    (name, table) => {
      const columns = Object.values(getTableColumns(table)).map((column) => column.name);
      if (!NOT_SITE_OWNED.has(name)) {
        expect(columns).toContain('site_id');
        expect(getTableColumns(table).siteId?.notNull).toBe(true);
      }
      if (!JOIN_TABLES.has(name)) expect(columns).toContain('created_at');
      if (!JOIN_TABLES.has(name) && !APPEND_ONLY.has(name)) expect(columns).toContain('updated_at');
    },
  );

  it('seeds exactly the built-in roles the code defines', async () => {
    const rows = await run(sql`
      select r.name, array_agg(p.permission order by p.permission) as permissions
      from roles r join role_permissions p on p.role_id = r.id
      where r.built_in group by r.name order by r.name`);
    const fromDatabase = Object.fromEntries(rows.rows.map((row) => [row.name, row.permissions]));
    const fromCode = Object.fromEntries(
      Object.entries(BUILT_IN_ROLES).map(([name, role]) => [name, [...role.permissions].sort()]),
    );
    expect(fromDatabase).toEqual(fromCode);
  });

  it('re-running migrations changes nothing', async () => {
    await runMigrations(database);
    const rows = await run(sql`select count(*)::int as n from roles`);
    expect(rows.rows[0]?.n).toBe(Object.keys(BUILT_IN_ROLES).length);
  });

  describe('constraints', () => {
    let siteId: number;
    let userId: number;
    let programId: number;

    beforeAll(async () => {
      const site = await run(
        sql`insert into sites (domain, name) values ('model.example.org', 'M') returning id`,
      );
      siteId = Number(site.rows[0]?.id);
      const user = await run(sql`insert into users (username) values ('Learner') returning id`);
      userId = Number(user.rows[0]?.id);
      const program = await run(sql`
        insert into programs (site_id, uuid, title) values (${siteId}, gen_random_uuid(), 'P') returning id`);
      programId = Number(program.rows[0]?.id);
    });

    it('makes usernames unique whatever their case', async () => {
      await refused(sql`insert into users (username) values ('LEARNER')`, '23505');
    });

    it('makes site domains unique whatever their case', async () => {
      await refused(sql`insert into sites (domain, name) values ('MODEL.example.org', 'M2')`, '23505');
    });

    it('requires a program config to name a program and a course-run config a run key and mode', async () => {
      await refused(
        sql`insert into credential_configs (site_id, uuid, kind) values (${siteId}, gen_random_uuid(), 'program')`,
        '23514',
      );
      await refused(
        sql`insert into credential_configs (site_id, uuid, kind, course_run_key)
                values (${siteId}, gen_random_uuid(), 'course-run', 'course-v1:A+B+C')`,
        '23514',
      );
      await refused(
        sql`insert into credential_configs (site_id, uuid, kind, program_id, mode)
                values (${siteId}, gen_random_uuid(), 'program', ${programId}, 'verified')`,
        '23514',
      );
    });

    it('allows one config per program and per run and mode', async () => {
      await run(
        sql`insert into credential_configs (site_id, uuid, kind, program_id) values (${siteId}, gen_random_uuid(), 'program', ${programId})`,
      );
      await refused(
        sql`insert into credential_configs (site_id, uuid, kind, program_id) values (${siteId}, gen_random_uuid(), 'program', ${programId})`,
        '23505',
      );
      await run(sql`insert into credential_configs (site_id, uuid, kind, course_run_key, mode)
                    values (${siteId}, gen_random_uuid(), 'course-run', 'course-v1:A+B+C', 'verified')`);
      await run(sql`insert into credential_configs (site_id, uuid, kind, course_run_key, mode)
                    values (${siteId}, gen_random_uuid(), 'course-run', 'course-v1:A+B+C', 'honor')`);
      await refused(
        sql`insert into credential_configs (site_id, uuid, kind, course_run_key, mode)
                values (${siteId}, gen_random_uuid(), 'course-run', 'course-v1:A+B+C', 'verified')`,
        '23505',
      );
    });

    it('gives a learner one credential per config, and a revoked one a revocation date', async () => {
      const config = await run(sql`select id from credential_configs where program_id = ${programId}`);
      const configId = Number(config.rows[0]?.id);
      await run(sql`insert into user_credentials (site_id, user_id, config_id, uuid)
                    values (${siteId}, ${userId}, ${configId}, gen_random_uuid())`);
      await refused(
        sql`insert into user_credentials (site_id, user_id, config_id, uuid)
                values (${siteId}, ${userId}, ${configId}, gen_random_uuid())`,
        '23505',
      );
      await refused(
        sql`update user_credentials set status = 'revoked' where config_id = ${configId}`,
        '23514',
      );
      await run(
        sql`update user_credentials set status = 'revoked', revoked_at = now() where config_id = ${configId}`,
      );
    });

    it('keeps a catalog row that something still references', async () => {
      // PostgreSQL 17 (PGlite) reports restrict_violation, older servers foreign_key_violation.
      await expect(run(sql`delete from programs where id = ${programId}`)).rejects.toMatchObject({
        cause: { code: expect.stringMatching(/^(23001|23503)$/) },
      });
    });

    it.each(['audit_log', 'credential_events'])('refuses to edit or delete %s rows', async (table) => {
      const credential = await run(sql`select id from user_credentials limit 1`);
      const credentialId = Number(credential.rows[0]?.id);
      if (table === 'audit_log') {
        await run(sql`insert into audit_log (actor_label, source, action, target_type, target_id)
                      values ('test', 'system', 'test.done', 'test', '1')`);
      } else {
        await run(sql`insert into credential_events (site_id, user_credential_id, type, to_status, source)
                      values (${siteId}, ${credentialId}, 'awarded', 'awarded', 'api')`);
      }
      await refused(sql.raw(`update ${table} set created_at = now()`), '42501');
      await refused(sql.raw(`delete from ${table}`), '42501');
    });
  });
});
