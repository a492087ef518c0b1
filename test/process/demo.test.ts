import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { useFreshDatabaseEnv } from '../helpers/fresh-database-url.ts';

describe('npm run demo', () => {
  const fresh = useFreshDatabaseEnv();

  it('starts Laurel with the fake LMS and catalog, and copies the catalog', async () => {
    const child = spawn(process.execPath, ['scripts/demo.ts'], {
      cwd: new URL('../../', import.meta.url),
      env: {
        PATH: process.env.PATH,
        ...fresh.env,
        PORT: '0',
        DEMO_LMS_PORT: '0',
        DEMO_CATALOG_PORT: '0',
        LOG_LEVEL: 'warn',
      },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const deadline = Date.now() + 30_000;
      while (!output.includes('Sign in as') && Date.now() < deadline && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(output).toContain('Catalog copied: 4 programs, 17 course runs.');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
