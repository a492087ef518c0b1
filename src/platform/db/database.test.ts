import { createServer, type Socket } from 'node:net';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/database.ts';
import { onPostgres } from '../../../test/helpers/engine.ts';
import { openDatabase, queryRows } from './database.ts';

/** Parameters of the first startup packet a client sends to a fake server (which then hangs up). */
async function startupParameters(url: (port: number) => string): Promise<Record<string, string>> {
  let resolveParams!: (params: Record<string, string>) => void;
  const received = new Promise<Record<string, string>>((resolve) => (resolveParams = resolve));
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 4 || buffer.length < buffer.readInt32BE(0)) return;
      const fields = buffer.subarray(8, buffer.readInt32BE(0)).toString('utf8').split('\0');
      const params: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length && fields[i]; i += 2) params[fields[i]!] = fields[i + 1]!;
      resolveParams(params);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const database = await openDatabase(url(port), { poolSize: 1 });
  try {
    await database.ping(2000).catch(() => undefined);
    return await received;
  } finally {
    await database.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('PostgreSQL connections', () => {
  it.skipIf(!onPostgres)(
    'run every statement without JIT compilation, keeping the options the URL gives',
    async () => {
      const database = await createTestDatabase();
      const url = new URL(database.url);
      url.searchParams.set('options', '-c statement_timeout=4321');
      const withOptions = await openDatabase(url.toString(), { poolSize: 4 });
      try {
        // Held at once, so that each runs on a connection of its own.
        const settings = await Promise.all(
          Array.from({ length: 4 }, () =>
            queryRows<{ jit: string; timeout: string }>(
              withOptions.db,
              sql`select current_setting('jit') as jit, current_setting('statement_timeout') as timeout,
                pg_sleep(0.05)`,
            ),
          ),
        );
        expect(settings.map(([row]) => [row?.jit, row?.timeout])).toEqual(
          Array.from({ length: 4 }, () => ['off', '4321ms']),
        );
        const [plain] = await queryRows<{ jit: string }>(
          database.db,
          sql`select current_setting('jit') as jit`,
        );
        expect(plain?.jit).toBe('off');
      } finally {
        await withOptions.close();
        await database.close();
      }
    },
  );

  it('read the URL as node-postgres does, and ask for JIT off after the options it gives', async () => {
    // A % that starts no escape, in the password: node-postgres reads the URL as it stands.
    const plain = await startupParameters((port) => `postgres://laurel:100%@127.0.0.1:${port}/laurel`);
    expect(plain.user).toBe('laurel');
    expect(plain.options).toBe('-c jit=off');
    const given = await startupParameters(
      (port) => `postgres://laurel:p%zz@127.0.0.1:${port}/laurel?options=-c statement_timeout=5000`,
    );
    expect(given.options).toBe('-c statement_timeout=5000 -c jit=off');
  });

  it('open a socket URL with a user and no host name, as node-postgres accepts it', async () => {
    // Cloud SQL documents this form: postgres://user:password@/db?host=/cloudsql/…
    const database = await openDatabase('postgres://laurel:s3cret@/laurel?host=/var/run/postgresql', {
      poolSize: 1,
    });
    await database.close();
  });

  it.skipIf(!onPostgres)('connect to a real server with such URLs', async () => {
    for (const url of [
      'postgres://postgres:100%@127.0.0.1:5432/test',
      'postgres://postgres@/test?host=/var/run/postgresql',
    ]) {
      const database = await openDatabase(url, { poolSize: 1 });
      try {
        await database.ping(3000);
      } finally {
        await database.close();
      }
    }
  });
});
