import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeCatalog, startFakeCatalog } from '../../../test/fake-upstream/catalog.ts';
import { useFreshDatabaseEnv } from '../../../test/helpers/fresh-database-url.ts';
import { runCli } from '../../../test/helpers/processes.ts';

describe('laurel catalog sync', () => {
  const fresh = useFreshDatabaseEnv();
  let catalog: FakeCatalog;
  const env = () => ({ ...fresh.env, UPSTREAM_RETRIES: '0' });

  beforeAll(async () => {
    catalog = await startFakeCatalog();
  });
  afterAll(() => catalog?.stop());

  it('says what to do when no site has a catalog', async () => {
    const result = await runCli(['catalog', 'sync'], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No site has a catalog API URL');
  });

  it('copies the catalog and prints a summary', async () => {
    const set = await runCli(
      ['sites', 'update', '--domain', 'localhost', '--catalog-api-url', catalog.apiUrl],
      env(),
    );
    expect(set.code, set.stderr).toBe(0);
    const result = await runCli(['catalog', 'sync', '--page-size', '5'], env());
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Catalog of localhost: copied in \d+\.\d s/);
    expect(result.stdout).toMatch(/programs\s+4\s+0\s+0\s+0\s+0\s+0/);
    expect(catalog.requests.some((request) => request.path.includes('page_size=5'))).toBe(true);
  });

  it('exits 3 naming what is gone upstream, and removes it only with --delete', async () => {
    const gone = catalog.data.pathways.pop();
    const listed = await runCli(['catalog', 'sync', '--site', 'localhost'], env());
    expect(listed.code).toBe(3);
    expect(listed.stderr).toContain(`pathways: ${gone?.name} (${gone?.uuid})`);
    expect(listed.stderr).toContain('--delete');

    const deleted = await runCli(['catalog', 'sync', '--delete'], env());
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/pathways\s+0\s+0\s+1\s+0\s+1\s+0/);
  });

  it('exits 1 with the reason when the catalog service fails', async () => {
    catalog.fail({ resource: 'courses', kind: 'status', status: 500 });
    const result = await runCli(['catalog', 'sync'], env());
    catalog.clearFailures();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'The sync stopped: The catalog service answered HTTP 500 for courses page 1.',
    );
  });

  it('refuses a bad page size', async () => {
    const result = await runCli(['catalog', 'sync', '--page-size', '0'], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('page_size');
  });
});
