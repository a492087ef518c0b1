import { describe, expect, it } from 'vitest';
import { useFreshDatabaseEnv } from '../../../test/helpers/fresh-database-url.ts';
import { runCli, startServer } from '../../../test/helpers/processes.ts';

describe('laurel users create-admin', () => {
  const fresh = useFreshDatabaseEnv();

  it('refuses a short password or a bad email, and changes nothing', async () => {
    const short = await runCli(['users', 'create-admin', '--email', 'ops@example.org'], fresh.env, 'short\n');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('password: Use at least 12 characters.');
    const email = await runCli(
      ['users', 'create-admin', '--email', 'not-an-email'],
      fresh.env,
      'long enough password\n',
    );
    expect(email.code).toBe(2);
  });

  it('creates an administrator from a password on stdin, who can then sign in', async () => {
    const created = await runCli(
      ['users', 'create-admin', '--email', 'ops@example.org'],
      fresh.env,
      'a long enough password\n',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('Administrator ops@example.org is ready');
    expect(created.stdout + created.stderr).not.toContain('a long enough password');

    const server = await startServer(fresh.env);
    const base = server.url.replace('127.0.0.1', 'localhost'); // the default site's host
    try {
      const form = await fetch(`${base}/login/local/`);
      const csrfCookie =
        form.headers
          .getSetCookie()
          .find((c) => c.startsWith('laurel_csrf='))
          ?.split(';')[0] ?? '';
      const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
      const response = await fetch(`${base}/login/local/`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
        body: new URLSearchParams({
          username: 'ops@example.org',
          password: 'a long enough password',
          csrfmiddlewaretoken: token,
        }),
      });
      expect(response.status).toBe(303);
      expect(response.headers.getSetCookie().some((c) => c.startsWith('laurel_session='))).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
