import { describe, expect, it } from 'vitest';
import { onPostgres } from '../helpers/engine.ts';
import { useFreshDatabaseEnv } from '../helpers/fresh-database-url.ts';
import { type RunningServer, getWithHost, runCli, startServer } from '../helpers/processes.ts';

describe('the server process (npm start)', () => {
  const fresh = useFreshDatabaseEnv();

  it('starts on an empty database, serves /health/, and stops cleanly on SIGTERM', async () => {
    const started = Date.now();
    const server = await startServer(fresh.env);
    let stopped;
    try {
      const health = await fetch(`${server.url}/health/`);
      const startupMs = Date.now() - started;
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({
        overall_status: 'OK',
        detailed_status: { database_status: 'OK' },
      });
      expect(startupMs).toBeLessThan(15_000);
      const site = await getWithHost(`${server.url}/api/v2/site/`, 'localhost');
      expect(site.json).toMatchObject({ domain: 'localhost' });
    } finally {
      stopped = await server.stop('SIGTERM');
    }
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(8000);
  });

  it.runIf(!onPostgres)('keeps the CLI out while it holds the embedded database', async () => {
    const server = await startServer(fresh.env);
    try {
      const cli = await runCli(['sites', 'list'], fresh.env);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain('is in use by process');
    } finally {
      await server.stop();
    }
  });

  it('keeps data across a restart, including changes made with the CLI in between', async () => {
    const created = await runCli(
      ['sites', 'create', '--domain', 'second.example.org', '--name', 'Second'],
      fresh.env,
    );
    expect(created.code, created.stderr).toBe(0);

    let server: RunningServer | undefined;
    try {
      server = await startServer(fresh.env);
      const response = await getWithHost(`${server.url}/api/v2/site/`, 'second.example.org');
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ name: 'Second' });
    } finally {
      await server?.stop();
    }
  });

  it('refuses to start with a bad setting and names the variable', async () => {
    await expect(startServer({ ...fresh.env, PORT: 'eighty' }, 10_000)).rejects.toThrow(
      /exited with 78[\s\S]*PORT: must be an integer/,
    );
  });
});
