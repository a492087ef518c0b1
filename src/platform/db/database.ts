import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Query, SQL } from 'drizzle-orm';
import type { PgDatabase, PgDialect, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { lockDirectory } from './pglite-lock.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
/** A database or an open transaction: repositories accept either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/** Rows of a raw statement, whichever driver runs it. */
export async function queryRows<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}

/**
 * A prepared statement per database handle, made on first use: PostgreSQL then plans it once per
 * connection rather than at every execution (tests open many handles, so one statement each).
 */
export function preparedPer<T>(prepare: (db: Db) => T): (db: Db) => T {
  const statements = new WeakMap<Db, T>();
  return (db) => {
    let statement = statements.get(db);
    if (!statement) {
      statement = prepare(db);
      statements.set(db, statement);
    }
    return statement;
  };
}

/**
 * A raw statement with a name, for hot statements the query builder cannot express: PostgreSQL parses
 * and plans it once per connection instead of on every call. Its values are `sql.placeholder`s,
 * given by name on each call. PGlite runs it as any other statement.
 */
export function preparedSql<T = Record<string, unknown>>(
  name: string,
  query: SQL,
): (db: Db, values: Record<string, unknown>) => Promise<T[]> {
  let built: Query | undefined;
  const statement = preparedPer((db) => {
    // The dialect is internal to Drizzle's typings; both drivers use PostgreSQL's.
    built ??= (db as unknown as { dialect: PgDialect }).dialect.sqlToQuery(query);
    return db._.session.prepareQuery(built, undefined, name, false);
  });
  return async (db, values) => ((await statement(db).execute(values)) as { rows: T[] }).rows;
}

export type Engine = 'pglite' | 'postgres';

/** An open database: the Drizzle handle plus what the platform needs to run it. */
export interface Database {
  engine: Engine;
  db: Db;
  /** The PGlite instance when embedded; pg-boss talks to it directly. */
  pglite?: PGlite;
  /** The connection string when on PostgreSQL; pg-boss opens its own small pool with it. */
  url?: string;
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  poolSize?: number;
  /**
   * PostgreSQL cancels a statement that runs longer, and the client gives up on one that gets no
   * answer for this long and 2 s more (a stalled server or network); none when unset.
   */
  statementTimeoutMs?: number;
  /** Start an embedded database from a dump (PGlite `dumpDataDir`) instead of an empty one. */
  pgliteTemplate?: Blob | File;
}

/** `promise`, or a rejection once `ms` have passed without it settling. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function openPglite(location: string, options: OpenOptions): Promise<Database> {
  const inMemory = location === 'memory';
  const dir = inMemory ? undefined : resolve(location);
  let lock: ReturnType<typeof lockDirectory> | undefined;
  if (dir) {
    mkdirSync(dirname(dir), { recursive: true });
    lock = lockDirectory(dir);
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dir ? `file://${dir}` : undefined, {
      loadDataDir: options.pgliteTemplate,
    });
  } catch (error) {
    lock?.release();
    throw error;
  }
  let closed = false;
  return {
    engine: 'pglite',
    db: drizzlePglite({ client: pglite, schema }) as unknown as Db,
    pglite,
    async ping(timeoutMs = 2000) {
      if (closed) throw new Error('database is closed');
      await withTimeout(pglite.query('select 1'), timeoutMs, 'database ping');
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/**
 * The connection as node-postgres reads `url`, with JIT compilation turned off for the session
 * (ADR 0018): it made short statements whose plans PostgreSQL overestimates take 10-70 ms instead of
 * well under one. Sent in the startup packet, after any `options` the URL gives. The URL is read by
 * node-postgres's own parser and not rewritten, so any URL it accepts means what it meant.
 */
function connectionWithoutJit(url: string): pg.PoolConfig {
  const config = parseIntoClientConfig(url);
  return { ...config, options: [config.options, '-c jit=off'].filter(Boolean).join(' ') };
}

/** How much longer than a statement may run the client waits for its answer before giving up. */
const STALLED_SERVER_GRACE_MS = 2000;

async function openPostgres(url: string, options: OpenOptions): Promise<Database> {
  const pool = new pg.Pool({
    ...connectionWithoutJit(url),
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    application_name: 'laurel',
    // A peer that went silent is found by the operating system instead of never.
    keepAlive: true,
    ...(options.statementTimeoutMs && {
      statement_timeout: options.statementTimeoutMs,
      query_timeout: options.statementTimeoutMs + STALLED_SERVER_GRACE_MS,
    }),
  });
  // A client losing its connection must not crash the process; the next query reconnects. Idle
  // clients report to the pool. A client lent out for a transaction has no listener of the pool's,
  // and node-postgres emits the loss there too, besides failing the statement that was running.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  let closed = false;
  return {
    engine: 'postgres',
    db: drizzlePg({ client: pool, schema }) as unknown as Db,
    url,
    async ping(timeoutMs = 2000) {
      if (closed) throw new Error('database is closed');
      await withTimeout(pool.query('select 1'), timeoutMs, 'database ping');
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** Opens `pglite:<dir>`, `pglite:memory` or `postgres://…`. */
export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  if (url.startsWith('pglite:')) return openPglite(url.slice('pglite:'.length), options);
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options);
  throw new Error(`Unsupported DATABASE_URL scheme: ${url.split(':')[0]}`);
}
