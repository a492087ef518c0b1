import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ISSUER, mintJwt } from '../../test/helpers/api-env.ts';
import { createTestApp, type TestApp } from '../../test/helpers/app.ts';
import { capturingLogger } from '../../test/helpers/logs.ts';

describe('logs', () => {
  const lines: Record<string, unknown>[] = [];
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, { logger: capturingLogger(lines) });
  });
  afterAll(() => t.close());

  it('log a request by its path, without query string or headers', async () => {
    const response = await t.app.inject({
      url: '/api/v2/credentials/?username=ann.learner',
      headers: { authorization: 'JWT secret-looking-token', cookie: 'laurel_session=abc' },
    });
    expect(response.statusCode).toBe(401);
    const line = lines.find((entry) => entry.msg === 'request completed');
    expect(line?.req).toMatchObject({ method: 'GET', path: '/api/v2/credentials/' });
    expect(line?.res).toEqual({ statusCode: 401 });
    const text = JSON.stringify(lines);
    for (const personal of ['ann.learner', 'secret-looking-token', 'laurel_session']) {
      expect(text).not.toContain(personal);
    }
  });

  it('log a path naming a learner by its route, not the username', async () => {
    const response = await t.app.inject({ url: '/api/v2/users/ann.learner/roles/' });
    expect(response.statusCode).toBe(401);
    const line = lines.findLast((entry) => entry.msg === 'request completed');
    expect(line?.req).toMatchObject({ method: 'GET', path: '/api/v2/users/:username/roles/' });
    expect(JSON.stringify(lines)).not.toContain('ann.learner');
  });

  it('redact sensitive keys at the top of a record and one object down, leaving the rest', () => {
    const captured: Record<string, unknown>[] = [];
    const logger = capturingLogger(captured);
    const user = { id: 7, email: 'ann@example.org', fullName: 'Ann Learner' };
    logger.info({ user, token: 'abc', count: 2 }, 'looked up');
    expect(captured[0]).toMatchObject({
      user: { id: 7, email: '[redacted]', fullName: '[redacted]' },
      token: '[redacted]',
      count: 2,
    });
    // The caller's object is left as it was.
    expect(user.email).toBe('ann@example.org');
  });
});

describe('error logs', () => {
  const lines: Record<string, unknown>[] = [];
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(
      { JWT_ISSUERS: JSON.stringify([TEST_ISSUER]) },
      { logger: capturingLogger(lines) },
    );
  });
  afterAll(() => t.close());

  it('log a failed query by its SQL and its cause, without its parameters or the row', async () => {
    // The learner a token introduces cannot be stored: the insert into users fails in PostgreSQL,
    // whose error describes the row ("Failing row contains (…)").
    await t.database.db.execute(
      sql`alter table users add constraint users_email_domain_check check (email not like '%@example.org')`,
    );
    const token = await mintJwt('carol.learner', {
      email: 'carol.private@example.org',
      name: 'Carol Confidential',
    });
    const response = await t.app.inject({
      url: '/api/v2/credentials/?username=carol.learner',
      headers: { authorization: `JWT ${token}` },
    });
    expect(response.statusCode).toBe(500);

    const err = lines.find((line) => line.msg === 'unhandled error')?.err as Record<string, unknown>;
    expect(err).toMatchObject({
      type: 'DrizzleQueryError',
      query: expect.stringMatching(/^insert into "users" .*values \(default, \$1, default, \$2, \$3/),
      cause: {
        code: '23514',
        table: 'users',
        constraint: 'users_email_domain_check',
        message: expect.stringContaining('violates check constraint'),
      },
    });
    expect(err.message).toBe(`Failed query: ${err.query}`);
    expect(err.stack).toContain('users.service.ts');
    expect(err).not.toHaveProperty('params');
    expect(err.cause).not.toHaveProperty('detail');
    const text = JSON.stringify(lines);
    for (const personal of ['carol.private@example.org', 'Carol Confidential', 'carol.learner']) {
      expect(text).not.toContain(personal);
    }
  });

  it('log a PostgreSQL error without the values its detail quotes, and other errors as pino does', async () => {
    const insert = sql`insert into users (username) values ('dora.private')`;
    await t.database.db.execute(insert);
    const failure: unknown = await t.database.db.execute(insert).catch((error: unknown) => error);
    const duplicate = (failure as Error).cause;
    const other = Object.assign(new Error('template missing'), { code: 'E_TEMPLATE' });
    const captured: Record<string, unknown>[] = [];
    const logger = capturingLogger(captured);
    logger.error({ err: duplicate }, 'failed');
    logger.error({ err: other }, 'failed');

    expect(captured[0]?.err).toEqual({
      type: 'DatabaseError',
      message: expect.stringContaining('duplicate key value violates unique constraint'),
      code: '23505',
      severity: 'ERROR',
      schema: 'public',
      table: 'users',
      constraint: 'users_username_key',
    });
    expect(JSON.stringify(captured)).not.toContain('dora.private');
    expect(captured[1]?.err).toEqual({
      type: 'Error',
      message: 'template missing',
      stack: other.stack,
      code: 'E_TEMPLATE',
    });
  });
});
