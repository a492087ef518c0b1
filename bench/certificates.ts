/**
 * Certificate page benchmark (issue 6): the public pages `/credentials/{uuid-hex}/` of Laurel on
 * PostgreSQL holding 1,000,000 credentials, next to a bare Fastify route answering a page of the same
 * size, measured in the same run.
 *
 *   npm run bench -- certificates [--credentials 1000000] [--seconds 10] [--connections 64]
 *                                 [--postgres postgres://…] [--database URL-of-a-seeded-database]
 *
 * Measures warm throughput (1,000 pages, each requested twice before, so cached; target ≥ 60% of the
 * bare route's), cold throughput (every request a credential this server has never shown; ≥ 25% of
 * the bare route's) and the p99 latency of warm pages under an open-loop load of 1,000 requests/s
 * (≤ 10 ms). Cold pages are also shown next to the bare page answered after one indexed lookup of
 * the credential: the most a server that reads each cold credential from PostgreSQL can do here. A
 * fresh database is created and seeded by scripts/seed-credentials.ts unless `--database` names one
 * seeded before; nothing is written to it.
 */
import { Agent, request } from 'node:http';
import { sql } from 'drizzle-orm';
import { openDatabase, queryRows } from '../src/platform/db/database.ts';
import { type RunningServer, startServer } from '../test/helpers/processes.ts';
import type { Measure } from './credentials.ts';
import {
  benchOptions,
  createDatabase,
  DOMAIN,
  rssMb,
  seedBenchDatabase,
  SERVER_NODE_ARGS,
  throughputAndCpu,
} from './harness.ts';

/** Pages requested over and over in the warm measurements. */
const WARM_PAGES = 1000;
/** At most this many distinct credentials for the cold run: more than it can request. */
const COLD_PAGES = 200_000;
/** The constant rate of the latency measurement, in requests per second. */
const RATE = 1000;

const pagePath = (id: string) => `/credentials/${id}/`;

/** The servers' CPU time per page in a measure, in µs. */
const cpuPerPage = (
  name: string,
  laurel: { cpuMsPerRequest: number },
  bare: { cpuMsPerRequest: number },
): Measure => ({
  name: `server CPU per ${name}`,
  laurel: 1000 * laurel.cpuMsPerRequest,
  bare: 1000 * bare.cpuMsPerRequest,
  unit: 'µs',
  target: '',
  met: true,
});

/** Awarded, visible credentials of the bench site in random order, as the 32-hex ids of their pages. */
async function sampleCredentials(databaseUrl: string, count: number): Promise<string[]> {
  const database = await openDatabase(databaseUrl, { poolSize: 1 });
  try {
    const rows = await queryRows<{ id: string }>(
      database.db,
      sql`select replace(uc.uuid::text, '-', '') as id
        from user_credentials uc
        join sites s on s.id = uc.site_id
        join credential_configs cc on cc.id = uc.config_id
        where s.domain = ${DOMAIN} and uc.status = 'awarded' and cc.kind = 'course-run'
          and (cc.certificate_available_date is null or cc.certificate_available_date <= now())
        order by random()
        limit ${count}`,
    );
    return rows.map((row) => row.id);
  } finally {
    await database.close();
  }
}

/** GET `path`, failing on anything but a 200; the body's size in bytes. */
function getPage(agent: Agent, base: URL, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ hostname: base.hostname, port: base.port, path, headers, agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(bytes) : reject(new Error(`GET ${path}: ${res.statusCode}`)),
      );
    })
      .on('error', reject)
      .end();
  });
}

/** Requests every page twice (a few at a time), so that each is cached; their sizes in bytes. */
async function warmUp(url: string, headers: Record<string, string>, paths: string[]): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const base = new URL(url);
  const sizes: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const path = paths[next++] ?? '';
      await getPage(agent, base, path, headers);
      sizes.push(await getPage(agent, base, path, headers));
    }
  };
  try {
    await Promise.all(Array.from({ length: 8 }, worker));
  } finally {
    agent.destroy();
  }
  return sizes;
}

/**
 * An open-loop load at a constant rate: request i is sent at start + i/rate whether or not earlier
 * ones were answered, and its latency counts from that scheduled time, so a server that falls behind
 * shows its queue (and a late generator counts against it too). A first second at the same rate opens
 * the connections and is not counted. Latencies at the 50th and 99th percentiles, in ms.
 */
async function constantRate(
  url: string,
  headers: Record<string, string>,
  path: () => string,
  rate: number,
  seconds: number,
): Promise<{ p50: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 512 });
  const base = new URL(url);
  const run = (total: number) =>
    new Promise<Float64Array>((resolve, reject) => {
      const latencies = new Float64Array(total);
      const interval = 1000 / rate;
      const start = performance.now() + 10;
      let sent = 0;
      let answered = 0;
      let failed = false;
      const fail = (error: Error) => {
        failed = true;
        reject(error);
      };
      const send = (i: number) => {
        const scheduled = start + i * interval;
        const target = path();
        request({ hostname: base.hostname, port: base.port, path: target, headers, agent }, (res) => {
          res.resume();
          res.on('end', () => {
            latencies[i] = performance.now() - scheduled;
            if (res.statusCode !== 200) fail(new Error(`GET ${target}: ${res.statusCode}`));
            else if (++answered === total) resolve(latencies);
          });
        })
          .on('error', fail)
          .end();
      };
      const tick = () => {
        if (failed) return;
        const now = performance.now();
        while (sent < total && start + sent * interval <= now) send(sent++);
        if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      };
      setTimeout(tick, 10);
    });
  try {
    await run(rate);
    const latencies = (await run(Math.round(rate * seconds))).sort();
    const at = (percentile: number) => latencies[Math.ceil(latencies.length * percentile) - 1] ?? Number.NaN;
    return { p50: at(0.5), p99: at(0.99) };
  } finally {
    agent.destroy();
  }
}

export async function benchCertificates(argv: string[]): Promise<Measure[]> {
  const options = benchOptions(argv);
  const { seconds, connections } = options;
  const created = options.database ? null : await createDatabase(options.postgres);
  const databaseUrl = options.database ?? created?.url ?? '';
  const servers: RunningServer[] = [];
  try {
    if (created) {
      const database = await openDatabase(databaseUrl, { poolSize: 4 });
      try {
        await seedBenchDatabase(database, options.credentials);
      } finally {
        await database.close();
      }
    }
    const ids = await sampleCredentials(databaseUrl, WARM_PAGES + COLD_PAGES);
    if (ids.length < 2 * WARM_PAGES) throw new Error(`only ${ids.length} awarded credentials to show`);
    const warmPaths = ids.slice(0, WARM_PAGES).map(pagePath);
    const coldIds = ids.slice(WARM_PAGES);
    const coldPaths = coldIds.map(pagePath);

    const laurel = await startServer({ DATABASE_URL: databaseUrl, PUBLIC_URL: `http://${DOMAIN}` }, 20_000, {
      nodeArgs: SERVER_NODE_ARGS,
    });
    servers.push(laurel);
    const headers = { host: DOMAIN };
    const sizes = await warmUp(laurel.url, headers, warmPaths);
    const pageBytes = Math.round(sizes.reduce((sum, size) => sum + size, 0) / sizes.length);

    const bareEnv = { BARE_PAGE_BYTES: String(pageBytes), BARE_DATABASE_URL: databaseUrl };
    const bare = await startServer(bareEnv, 20_000, {
      script: 'bench/bare-fastify.ts',
      nodeArgs: SERVER_NODE_ARGS,
    });
    servers.push(bare);
    const bareUrl = `${bare.url}/bare-page/`;
    const [barePageBytes = 0] = await warmUp(bare.url, {}, ['/bare-page/']);
    const results: Measure[] = [
      {
        name: 'page size (mean)',
        laurel: pageBytes,
        bare: barePageBytes,
        unit: 'bytes',
        target: '',
        met: true,
      },
    ];

    let warmNext = 0;
    const warmPath = () => warmPaths[warmNext++ % warmPaths.length] ?? '';
    const load = { method: 'GET' as const, connections, seconds };
    const warm = await throughputAndCpu(laurel, { ...load, url: laurel.url, headers, path: warmPath });
    const bareWarm = await throughputAndCpu(bare, { ...load, url: bareUrl, headers: {} });
    results.push(
      {
        name: `warm pages (${WARM_PAGES.toLocaleString('en')})`,
        laurel: warm.perSecond,
        bare: bareWarm.perSecond,
        unit: 'requests/s',
        target: '≥ 60% of bare',
        met: warm.perSecond >= 0.6 * bareWarm.perSecond,
      },
      cpuPerPage('warm page', warm, bareWarm),
    );

    const steady = await constantRate(laurel.url, headers, warmPath, RATE, seconds);
    const bareSteady = await constantRate(bare.url, {}, () => '/bare-page/', RATE, seconds);
    results.push(
      {
        name: `warm p50 at ${RATE.toLocaleString('en')}/s`,
        laurel: steady.p50,
        bare: bareSteady.p50,
        unit: 'ms',
        target: '',
        met: true,
      },
      {
        name: `warm p99 at ${RATE.toLocaleString('en')}/s`,
        laurel: steady.p99,
        bare: bareSteady.p99,
        unit: 'ms',
        target: '≤ 10',
        met: steady.p99 <= 10,
      },
    );

    // Last, as it pushes the warm pages out of the cache.
    let coldNext = 0;
    const coldPath = () => coldPaths[coldNext++ % coldPaths.length] ?? '';
    const cold = await throughputAndCpu(laurel, { ...load, url: laurel.url, headers, path: coldPath });
    if (coldNext > coldPaths.length) {
      throw new Error(
        `the cold run needed ${coldNext} distinct credentials, more than the ${coldPaths.length}`,
      );
    }
    const bareCold = await throughputAndCpu(bare, { ...load, url: bareUrl, headers: {} });
    // The ceiling for cold pages: the bare page after one indexed lookup, of the same credentials.
    let lookupNext = 0;
    const lookupPath = () => `/bare-lookup/${coldIds[lookupNext++ % coldIds.length]}/`;
    const bareLookup = await throughputAndCpu(bare, {
      ...load,
      url: bare.url,
      headers: {},
      path: lookupPath,
    });
    results.push(
      {
        name: 'cold pages (each shown once)',
        laurel: cold.perSecond,
        bare: bareCold.perSecond,
        unit: 'requests/s',
        target: '≥ 25% of bare',
        met: cold.perSecond >= 0.25 * bareCold.perSecond,
      },
      cpuPerPage('cold page', cold, bareCold),
      {
        name: 'cold, next to bare + 1 lookup',
        laurel: cold.perSecond,
        bare: bareLookup.perSecond,
        unit: 'requests/s',
        target: '',
        met: true,
      },
      cpuPerPage('cold page, next to bare + 1 lookup', cold, bareLookup),
    );

    results.push({
      name: 'server peak RSS',
      laurel: await rssMb(laurel, 'VmHWM'),
      bare: await rssMb(bare, 'VmHWM'),
      unit: 'MB',
      target: '',
      met: true,
    });
    return results;
  } finally {
    for (const server of servers) await server.stop();
    await created?.drop();
  }
}
