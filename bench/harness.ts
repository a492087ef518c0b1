/**
 * What the HTTP benchmarks share: their options, a throwaway PostgreSQL database seeded with the
 * credentials dataset, autocannon throughput, and the server's CPU time and memory.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { seedCredentials } from '../scripts/seed-credentials.ts';
import type { Database } from '../src/platform/db/database.ts';
import type { RunningServer } from '../test/helpers/processes.ts';

/** The seeded site's host name: requests must carry it in their Host header. */
export const DOMAIN = 'bench.example.org';
/** The Node.js options `npm start` gives the server, read from package.json so the two cannot drift. */
export const SERVER_NODE_ARGS = nodeOptionsOf(
  (
    JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      scripts: { start: string };
    }
  ).scripts.start,
);

/** The options of `node --option … src/main.ts`; anything else would be started some other way. */
function nodeOptionsOf(script: string): string[] {
  const options = /^node((?:\s+--\S+)*)\s+src\/main\.ts$/.exec(script.trim())?.[1];
  if (options === undefined) throw new Error(`npm start is not "node [--options] src/main.ts": ${script}`);
  return options.split(/\s+/).filter(Boolean);
}

/** `--credentials`, `--seconds`, `--connections`, `--postgres` and `--database`, as numbers where they are. */
export function benchOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      credentials: { type: 'string', default: '1000000' },
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '64' },
      postgres: {
        type: 'string',
        default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      },
      database: { type: 'string' },
    },
    allowPositionals: true,
  });
  return {
    credentials: Number(values.credentials),
    seconds: Number(values.seconds),
    connections: Number(values.connections),
    postgres: values.postgres,
    database: values.database,
  };
}

export interface Load {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** The path of each request, when it changes from one request to the next (else the URL's). */
  path?: () => string;
  /** The JSON body of each POST. */
  body?: () => string;
  connections: number;
  seconds: number;
}

/** Requests per second answered with 2xx; anything else fails the benchmark, as it would be a bug. */
async function throughput(load: Load): Promise<number> {
  const { path, body } = load;
  const post = load.method === 'POST';
  const result = await autocannon({
    url: load.url,
    connections: load.connections,
    duration: load.seconds,
    requests: [
      {
        method: load.method,
        headers: { ...(post && { 'content-type': 'application/json' }), ...load.headers },
        // Called once for every request sent (autocannon rebuilds a request that has a setup).
        ...((path || body) && {
          setupRequest: (req) => ({
            ...req,
            ...(path && { path: path() }),
            ...(post && body && { body: body() }),
          }),
        }),
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${load.method} ${load.url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return result['2xx'] / load.seconds;
}

/** Clock ticks per second, the unit of CPU times in /proc. */
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** The CPU time the server has used so far (user and system), in ms. */
async function cpuMs(server: RunningServer): Promise<number> {
  const stat = await readFile(`/proc/${server.child.pid}/stat`, 'utf8');
  // The fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime = 0, stime = 0] = [fields[11], fields[12]].map(Number);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/**
 * Requests per second answered with 2xx, and the server's CPU time per request (ms) while it ran: on
 * a machine shared with the load generator and PostgreSQL, CPU per request varies far less from one
 * run to the next than throughput does.
 */
export async function throughputAndCpu(
  server: RunningServer,
  load: Load,
): Promise<{ perSecond: number; cpuMsPerRequest: number }> {
  const before = await cpuMs(server);
  const perSecond = await throughput(load);
  const used = (await cpuMs(server)) - before;
  return { perSecond, cpuMsPerRequest: used / (perSecond * load.seconds) };
}

/** The server's resident memory now (VmRSS) or at its highest so far (VmHWM), in MB. */
export async function rssMb(server: RunningServer, which: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${server.child.pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${which}:\\s+(\\d+) kB`).exec(status)?.[1]);
  return kb / 1024;
}

/** A new, empty database on the server `adminUrl` points at; `drop` removes it whatever is connected. */
export async function createDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const name = `laurel_bench_${randomUUID().replace(/-/g, '')}`;
  await admin.query(`create database "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

/**
 * Seeds the benchmarks' dataset (the same for every benchmark, so one `--database` serves them all)
 * and writes its dirty pages out now rather than in a checkpoint during the measurements.
 */
export async function seedBenchDatabase(database: Database, credentials: number): Promise<void> {
  const seeded = await seedCredentials(database, {
    credentials,
    perLearner: 10,
    programs: 200,
    runsPerProgram: 5,
    domain: DOMAIN,
  });
  console.log(`Seeded ${seeded.credentials} credentials in ${seeded.seconds.toFixed(1)} s.`);
  await database.db.execute(sql`checkpoint`);
}
