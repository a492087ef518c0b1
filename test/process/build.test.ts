import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { useFreshDatabaseEnv } from '../helpers/fresh-database-url.ts';
import { getTextWithHost, startServer } from '../helpers/processes.ts';

describe('the compiled server (npm run build, then node dist/main.js)', () => {
  const fresh = useFreshDatabaseEnv();

  it('runs from dist/ with the templates and static files it reads at run time', async () => {
    const build = spawn('npm', ['run', 'build'], { stdio: 'ignore' });
    const [code] = (await once(build, 'exit')) as [number | null];
    expect(code).toBe(0);

    const server = await startServer(fresh.env, 20_000, { script: 'dist/main.js' });
    try {
      expect((await fetch(`${server.url}/health/`)).status).toBe(200);
      // A page template, a certificate template and a static file: each read from beside the code.
      const home = await getTextWithHost(`${server.url}/`, 'localhost');
      expect(home.status).toBe(200);
      expect(home.type).toContain('text/html');
      const example = await getTextWithHost(`${server.url}/credentials/example/`, 'localhost');
      expect(example.status).toBe(200);
      expect(example.body).toContain('Certificate');
      const css = await getTextWithHost(`${server.url}/static/certificate.css`, 'localhost');
      expect(css.status).toBe(200);
      expect(css.type).toContain('text/css');
    } finally {
      await server.stop();
    }
  }, 120_000);
});
