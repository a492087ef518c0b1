import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { onPostgres } from '../helpers/engine.ts';

/** Runs scripts/crash-safety.ts: SIGKILL mid-burst, then every acknowledged write must be there. */
describe.runIf(!onPostgres)('crash safety of the embedded database', () => {
  it('keeps every acknowledged write when the process is killed mid-burst', async () => {
    const child = spawn(
      process.execPath,
      ['scripts/crash-safety.ts', '--rounds', '2', '--min-acks', '20', '--max-acks', '120'],
      {
        cwd: new URL('../../', import.meta.url),
        env: { PATH: process.env.PATH },
      },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const [code] = await once(child, 'exit');
    const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(summary.rounds).toBe(2);
    expect(summary.acknowledged).toBeGreaterThanOrEqual(40);
    expect(summary.lost).toBe(0);
    expect(code).toBe(0);
  }, 120_000);
});
