/**
 * The yardstick for the HTTP benchmarks: Fastify with nothing of Laurel's (no plugins, no logging, no
 * database), answering a JSON GET and a JSON POST (`/bare/`), and a fixed HTML page of
 * `BARE_PAGE_BYTES` bytes (`/bare-page/`, for the certificate pages). Measured in the same run as
 * Laurel, it shows what the machine and the load generator allow at that moment.
 *
 * With `BARE_DATABASE_URL`, `/bare-lookup/{uuid}/` answers the same page after one indexed lookup of
 * that credential (pool of 10, as Laurel's): what any server reading a credential per request can do.
 */
import Fastify from 'fastify';
import pg from 'pg';

/** An HTML document of exactly `bytes` bytes (ASCII, so bytes and characters agree). */
function pageOf(bytes: number): string {
  const head = '<!doctype html><html><body><p>';
  const tail = '</p></body></html>\n';
  const room = bytes - head.length - tail.length;
  return room >= 0 ? `${head}${'x'.repeat(room)}${tail}` : 'x'.repeat(bytes);
}

const page = pageOf(Number(process.env.BARE_PAGE_BYTES ?? 0));
const app = Fastify({ logger: false, bodyLimit: 2 * 1024 * 1024 });
app.get('/bare/', async () => ({ count: 0, next: null, previous: null, results: [] }));
app.post('/bare/', async (request, reply) => reply.status(201).send(request.body));
app.get('/bare-page/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
const databaseUrl = process.env.BARE_DATABASE_URL;
const pool = databaseUrl ? new pg.Pool({ connectionString: databaseUrl, max: 10 }) : undefined;
if (pool) {
  app.get<{ Params: { uuid: string } }>('/bare-lookup/:uuid/', async (request, reply) => {
    const { rows } = await pool.query({
      name: 'credential',
      text: 'select status from user_credentials where uuid = $1',
      values: [request.params.uuid],
    });
    if (rows.length === 0) return reply.code(404).send();
    return reply.type('text/html; charset=utf-8').send(page);
  });
}
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`Server listening at ${address}`);
process.on(
  'SIGTERM',
  () =>
    void app.close().then(async () => {
      await pool?.end();
      process.exit(0);
    }),
);
