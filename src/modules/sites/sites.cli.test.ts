import { describe, expect, it } from 'vitest';
import { useFreshDatabaseEnv } from '../../../test/helpers/fresh-database-url.ts';
import { runCli } from '../../../test/helpers/processes.ts';

describe('laurel sites', () => {
  const fresh = useFreshDatabaseEnv();

  it('migrates a new database', async () => {
    const result = await runCli(['migrate'], fresh.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Database is up to date.');
  });

  it('updates the default site with the flags the README shows', async () => {
    const result = await runCli(
      [
        'sites',
        'update',
        '--domain',
        'localhost',
        '--lms-url',
        'http://127.0.0.1:9000',
        '--catalog-api-url',
        'http://127.0.0.1:9000/api/v1/',
        '--oauth-client-id',
        'laurel-worker',
        '--oauth-client-secret',
        'a-very-secret-value',
        '--records-enabled',
        'false',
      ],
      fresh.env,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/lms-url\s+http:\/\/127\.0\.0\.1:9000\n/);
    expect(result.stdout).toMatch(/records-enabled\s+false/);
    expect(result.stdout).toMatch(/oauth-client-secret\s+\(set\)/);
    expect(result.stdout).not.toContain('a-very-secret-value');
  });

  it('creates a site and lists every site, without secrets', async () => {
    const created = await runCli(
      [
        'sites',
        'create',
        '--domain',
        'Learn.Example.org',
        '--name',
        'Example',
        '--platform-name',
        'Example Academy',
      ],
      fresh.env,
    );
    expect(created.code, created.stderr).toBe(0);

    const list = await runCli(['sites', 'list', '--json'], fresh.env);
    expect(list.code, list.stderr).toBe(0);
    const sites = JSON.parse(list.stdout) as Record<string, string>[];
    expect(sites.map((site) => site.domain)).toEqual(['localhost', 'learn.example.org']);
    expect(sites[0]).toMatchObject({ 'oauth-client-id': 'laurel-worker', 'oauth-client-secret': '(set)' });
    expect(list.stdout).not.toContain('a-very-secret-value');

    const table = await runCli(['sites', 'list'], fresh.env);
    expect(table.stdout).toMatch(/^domain\s+name\s+platform name/);
    expect(table.stdout).toContain('learn.example.org');
  });

  it('exits 2 naming each invalid flag, and changes nothing', async () => {
    const result = await runCli(
      [
        'sites',
        'update',
        '--domain',
        'localhost',
        '--tos-url',
        'not a url',
        '--default-language',
        'english!',
      ],
      fresh.env,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('tos_url: Enter a valid http(s) URL');
    expect(result.stderr).toContain('default_language:');
    const list = await runCli(['sites', 'list', '--json'], fresh.env);
    expect(JSON.parse(list.stdout)[0]).toMatchObject({ 'tos-url': '', 'default-language': 'en' });
  });

  it('exits 1 on a duplicate domain or an unknown site', async () => {
    const duplicate = await runCli(
      ['sites', 'create', '--domain', 'learn.example.org', '--name', 'Again'],
      fresh.env,
    );
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('already exists');
    const unknown = await runCli(
      ['sites', 'update', '--domain', 'nowhere.example.org', '--name', 'X'],
      fresh.env,
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No site has the domain nowhere.example.org');
  });
});
