/**
 * Crash-safety check for the embedded database: a child process runs the Laurel app on a PGlite
 * directory and writes sites as fast as it can, printing `ack N` after each write has committed.
 * The parent kills it with SIGKILL mid-burst, reopens the directory, and checks that every
 * acknowledged write is there. Repeats for several rounds on the same directory.
 *
 *   node scripts/crash-safety.ts [--rounds 5] [--min-acks 20] [--max-acks 400] [--dir PATH]
 *
 * Prints one JSON summary line; exits 1 if any acknowledged write was lost.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { like } from 'drizzle-orm';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { SYSTEM_ACTOR } from '../src/modules/audit/audit.service.ts';
import { sites } from '../src/modules/sites/sites.schema.ts';

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    'min-acks': { type: 'string', default: '20' },
    'max-acks': { type: 'string', default: '400' },
    dir: { type: 'string' },
  },
});

/** The child: the real app on the directory, writing until killed. */
async function writeUntilKilled(dir: string, round: string): Promise<never> {
  const config = loadConfig({
    DATABASE_URL: `pglite:${dir}`,
    DATA_DIR: join(dir, '..'),
    LOG_LEVEL: 'silent',
    PORT: '0',
  });
  const app = await buildApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write('ready\n');
  for (let i = 0; ; i += 1) {
    await app.laurel.services.sites.create(
      { domain: `w${i}.r${round}.crash.test`, name: `write ${i}` },
      SYSTEM_ACTOR,
    );
    process.stdout.write(`ack ${i}\n`);
  }
}

async function runRound(dir: string, round: number, killAfter: number) {
  const child = spawn(process.execPath, [import.meta.filename, '--child', String(round), '--dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  let acked = -1;
  let buffer = '';
  let writeStartedAt = 0;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') writeStartedAt = Date.now();
        const match = /^ack (\d+)$/.exec(line);
        if (match) acked = Number(match[1]);
      }
      if (acked + 1 >= killAfter) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited early (code ${code}, signal ${signal})`));
    });
  });
  await exited;
  const burstMs = Date.now() - writeStartedAt;

  const reopenStarted = Date.now();
  const database = await openDatabase(`pglite:${dir}`);
  const rows = await database.db
    .select({ domain: sites.domain })
    .from(sites)
    .where(like(sites.domain, `%.r${round}.crash.test`));
  const reopenMs = Date.now() - reopenStarted;
  await database.close();

  const present = new Set(rows.map((row) => row.domain));
  const lost: number[] = [];
  for (let i = 0; i <= acked; i += 1) if (!present.has(`w${i}.r${round}.crash.test`)) lost.push(i);
  return { round, acknowledged: acked + 1, present: present.size, lost, burstMs, reopenMs };
}

async function main(): Promise<void> {
  if (values.child !== undefined) {
    await writeUntilKilled(values.dir ?? '', values.child);
    return;
  }
  const dir = values.dir ?? join(mkdtempSync(join(tmpdir(), 'laurel-crash-')), 'pglite');
  const rounds = Number(values.rounds);
  const minAcks = Number(values['min-acks']);
  const maxAcks = Number(values['max-acks']);
  const results = [];
  for (let round = 0; round < rounds; round += 1) {
    const killAfter = minAcks + Math.floor(Math.random() * (maxAcks - minAcks + 1));
    results.push(await runRound(dir, round, killAfter));
  }
  const acknowledged = results.reduce((sum, r) => sum + r.acknowledged, 0);
  const lost = results.reduce((sum, r) => sum + r.lost.length, 0);
  console.log(JSON.stringify({ dir, rounds, acknowledged, lost, results }));
  process.exitCode = lost === 0 ? 0 : 1;
}

await main();
