/**
 * Credentials benchmark (issue 5): Laurel on PostgreSQL holding 1,000,000 credentials, driven over
 * HTTP as the LMS drives it, next to a bare Fastify route measured in the same run.
 *
 *   npm run bench -- credentials [--credentials 1000000] [--seconds 10] [--connections 64]
 *                                [--postgres postgres://…] [--database URL-of-a-seeded-database]
 *
 * Measures single POST upsert throughput (target ≥ 1,500/s), bulk issuance (≥ 20,000 credentials/s),
 * the p99 of `GET /api/v2/credentials/?username=` (≤ 5 ms, one request at a time), the server's peak
 * RSS (≤ 150 MB), and how long the program-completion jobs that the POSTs queued take to finish. A
 * fresh database is created and seeded by scripts/seed-credentials.ts unless `--database` names one
 * seeded before (the POSTs add credentials to it).
 */
import { randomInt } from 'node:crypto';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { openDatabase, queryRows } from '../src/platform/db/database.ts';
import { benchLearner } from '../scripts/seed-credentials.ts';
import { PROGRAM_COMPLETION_JOB } from '../src/modules/credentials/credential-writes.ts';
import { mintJwt, TEST_ISSUER } from '../test/helpers/api-env.ts';
import { type RunningServer, startServer } from '../test/helpers/processes.ts';
import {
  benchOptions,
  createDatabase,
  DOMAIN,
  rssMb,
  seedBenchDatabase,
  SERVER_NODE_ARGS,
  throughputAndCpu,
} from './harness.ts';

const CALLER = 'bench_issuer';

export interface Measure {
  name: string;
  laurel: number;
  bare: number | null;
  unit: string;
  target: string;
  met: boolean;
}

/** One request at a time over a kept-alive connection; latencies at the 50th and 99th percentiles, in ms. */
async function latency(url: string, headers: Record<string, string>, path: () => string, count: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = (target: string) =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      request(new URL(target, url), { agent, headers }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - started)
            : reject(new Error(`GET ${target}: ${res.statusCode}`)),
        );
      })
        .on('error', reject)
        .end();
    });
  for (let i = 0; i < count / 2; i++) await get(path());
  const timings: number[] = [];
  for (let i = 0; i < count; i++) timings.push(await get(path()));
  agent.destroy();
  timings.sort((a, b) => a - b);
  const at = (percentile: number) => timings[Math.ceil(count * percentile) - 1] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

/** The program-completion jobs not done yet, as the server's `/metrics` counts them; null if it left the count out. */
async function pendingCompletions(serverUrl: string): Promise<number | null> {
  const text = await (await fetch(`${serverUrl}/metrics`)).text();
  const counts = [...text.matchAll(/^laurel_jobs_pending\{queue="([^"]+)",state="[a-z]+"\} (\d+)$/gm)]
    .filter(([, queue]) => queue === PROGRAM_COMPLETION_JOB)
    .map(([, , count]) => Number(count));
  return counts.length > 0 ? counts.reduce((sum, count) => sum + count, 0) : null;
}

/**
 * How long after a load the server takes to finish the program-completion jobs it queued, in ms: the
 * jobs are part of what issuing costs, so a queue that falls behind shows here.
 */
async function completionBacklogMs(serverUrl: string, timeoutMs = 120_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const pending = await pendingCompletions(serverUrl);
    const elapsed = performance.now() - started;
    if (pending === 0) return elapsed;
    if (elapsed > timeoutMs)
      throw new Error(`${pending ?? 'uncounted'} program-completion jobs still queued`);
    await sleep(100);
  }
}

/** A POST with the Host header set (fetch forbids it), answering the parsed body. */
function postJson(url: string, headers: Record<string, string>, body: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    request(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve(JSON.parse(text) as unknown));
    })
      .on('error', reject)
      .end(body);
  });
}

export async function benchCredentials(argv: string[]): Promise<Measure[]> {
  const options = benchOptions(argv);
  const { seconds, connections } = options;
  const created = options.database ? null : await createDatabase(options.postgres);
  const databaseUrl = options.database ?? created?.url ?? '';
  const servers: RunningServer[] = [];
  try {
    const database = await openDatabase(databaseUrl, { poolSize: 4 });
    let learners: number;
    let runKeys: string[];
    try {
      if (created) await seedBenchDatabase(database, options.credentials);
      const configs = await queryRows<{ key: string }>(
        database.db,
        sql`select course_run_key as key from credential_configs where kind = 'course-run'`,
      );
      runKeys = configs.map((row) => row.key);
      const [counted] = await queryRows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from users where username like 'bench-learner-%'`,
      );
      learners = counted?.n ?? 0;
    } finally {
      await database.close();
    }

    const laurel = await startServer(
      {
        DATABASE_URL: databaseUrl,
        PUBLIC_URL: `http://${DOMAIN}`,
        JWT_ISSUERS: JSON.stringify([TEST_ISSUER]),
        SERVICE_USERS: JSON.stringify({ [CALLER]: ['issuer'] }),
      },
      20_000,
      { nodeArgs: SERVER_NODE_ARGS },
    );
    servers.push(laurel);
    const bare = await startServer({}, 20_000, {
      script: 'bench/bare-fastify.ts',
      nodeArgs: SERVER_NODE_ARGS,
    });
    servers.push(bare);
    const headers = { host: DOMAIN, authorization: `JWT ${await mintJwt(CALLER)}` };

    const anyLearner = () => benchLearner(randomInt(learners));
    const issueItem = () => ({
      username: anyLearner(),
      credential: { course_run_key: runKeys[randomInt(runKeys.length)], mode: 'verified' },
      status: randomInt(10) === 0 ? 'revoked' : 'awarded',
      attributes: [{ name: 'grade', value: `0.${randomInt(50, 100)}` }],
    });
    const results: Measure[] = [];

    const listPath = () => `/api/v2/credentials/?username=${anyLearner()}`;
    const list = await latency(laurel.url, headers, listPath, 2000);
    const bareList = await latency(bare.url, {}, () => '/bare/', 2000);
    results.push(
      {
        name: '?username= list p50',
        laurel: list.p50,
        bare: bareList.p50,
        unit: 'ms',
        target: '',
        met: true,
      },
      {
        name: '?username= list p99',
        laurel: list.p99,
        bare: bareList.p99,
        unit: 'ms',
        target: '≤ 5',
        met: list.p99 <= 5,
      },
    );

    const post = { method: 'POST' as const, connections, seconds };
    const singleBody = () => JSON.stringify(issueItem());
    const single = await throughputAndCpu(laurel, {
      ...post,
      url: `${laurel.url}/api/v2/credentials/`,
      headers,
      body: singleBody,
    });
    // Measured before anything else runs: the completion jobs the POSTs queued, finished by the server.
    const caughtUp = await completionBacklogMs(laurel.url);
    const bareSingle = await throughputAndCpu(bare, {
      ...post,
      url: `${bare.url}/bare/`,
      headers: {},
      body: singleBody,
    });
    results.push(
      {
        name: 'single POST upsert',
        laurel: single.perSecond,
        bare: bareSingle.perSecond,
        unit: 'requests/s',
        target: '≥ 1,500',
        met: single.perSecond >= 1500,
      },
      {
        name: 'server CPU per POST',
        laurel: single.cpuMsPerRequest,
        bare: bareSingle.cpuMsPerRequest,
        unit: 'ms',
        target: '',
        met: true,
      },
    );
    results.push({
      name: 'completion jobs done after the POSTs',
      laurel: caughtUp,
      bare: null,
      unit: 'ms',
      target: '',
      met: true,
    });

    const beforeBulk = await rssMb(laurel, 'VmHWM');
    const bulkBody = () => JSON.stringify({ items: Array.from({ length: 1000 }, issueItem) });
    const probed = (await postJson(`${laurel.url}/api/v2/credentials/bulk/`, headers, bulkBody())) as {
      succeeded?: number;
    };
    if (probed.succeeded !== 1000) throw new Error(`a bulk request issued ${probed.succeeded} of 1,000`);
    const bulkLoad = { method: 'POST' as const, connections: 2, seconds };
    const bulk = await throughputAndCpu(laurel, {
      ...bulkLoad,
      url: `${laurel.url}/api/v2/credentials/bulk/`,
      headers,
      body: bulkBody,
    });
    const bareBulk = await throughputAndCpu(bare, {
      ...bulkLoad,
      url: `${bare.url}/bare/`,
      headers: {},
      body: bulkBody,
    });
    results.push(
      {
        name: 'bulk issuance (1,000 per request)',
        laurel: 1000 * bulk.perSecond,
        bare: 1000 * bareBulk.perSecond,
        unit: 'credentials/s',
        target: '≥ 20,000',
        met: 1000 * bulk.perSecond >= 20_000,
      },
      {
        name: 'server CPU per 1,000 bulk items',
        laurel: bulk.cpuMsPerRequest,
        bare: bareBulk.cpuMsPerRequest,
        unit: 'ms',
        target: '',
        met: true,
      },
    );

    const rss = await rssMb(laurel, 'VmHWM');
    results.push({
      name: 'server peak RSS before bulk',
      laurel: beforeBulk,
      bare: null,
      unit: 'MB',
      target: '',
      met: true,
    });
    results.push({
      name: 'server peak RSS',
      laurel: rss,
      bare: await rssMb(bare, 'VmHWM'),
      unit: 'MB',
      target: '≤ 150',
      met: rss <= 150,
    });
    return results;
  } finally {
    for (const server of servers) await server.stop();
    await created?.drop();
  }
}
