import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
