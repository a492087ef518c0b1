import { DrizzleQueryError } from 'drizzle-orm';
import pino, { type Logger, type LoggerOptions } from 'pino';

/** Keys whose values are replaced with "[redacted]" at the top of a log record and one level down. */
const SENSITIVE_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'cookie',
  'password',
  'secret',
  'token',
  'accessToken',
  'clientSecret',
  'oauthClientSecret',
  'email',
  'fullName',
]);
const CENSOR = '[redacted]';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

function censored(record: Record<string, unknown>, depth: number): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key in record) {
    const value = record[key];
    const replacement = SENSITIVE_KEYS.has(key)
      ? CENSOR
      : depth > 0 && isPlainObject(value)
        ? censored(value, depth - 1)
        : value;
    if (replacement !== value) {
      copy ??= { ...record };
      copy[key] = replacement;
    }
  }
  return copy ?? record;
}

/**
 * A safety net for personal data and secrets, checked by hand rather than with pino's `redact`:
 * its wildcard paths tripled the cost of every request's log line. Domain code logs ids, never
 * names or emails; this catches a slip at the top of a record or one object down.
 */
const censorSensitive = (record: Record<string, unknown>) => censored(record, 1);

/** Route parameters whose values are personal data. */
const PERSONAL_PARAMS = ['username'];

interface LoggedRequest {
  method: string;
  url: string;
  hostname: string;
  ip: string;
  socket?: { remotePort?: number };
  params?: unknown;
  routeOptions?: { url?: string };
}

/**
 * The path a request's line shows: without its query string, where Open edX clients put usernames
 * (`?username=`), and as its route's pattern (`/api/v2/users/:username/`) when a parameter in it is
 * personal data.
 */
function loggedPath(request: LoggedRequest): string | undefined {
  const { params, routeOptions } = request;
  const personal =
    typeof params === 'object' && params !== null && PERSONAL_PARAMS.some((name) => name in params);
  return personal && routeOptions?.url ? routeOptions.url : request.url.split('?', 1)[0];
}

/**
 * What of a PostgreSQL error (node-postgres or PGlite) is logged: never its `detail`, which quotes
 * values ("Key (email)=(…) already exists"), nor the `params` PGlite adds, nor `where` or
 * `internalQuery`, which can quote them too.
 */
const DATABASE_ERROR_FIELDS = ['code', 'severity', 'schema', 'table', 'column', 'dataType', 'constraint'];

/** Both drivers' errors from PostgreSQL carry its SQLSTATE `code` and a `severity`. */
const isDatabaseError = (error: unknown): error is Error & Record<string, unknown> =>
  error instanceof Error &&
  typeof (error as { code?: unknown }).code === 'string' &&
  typeof (error as { severity?: unknown }).severity === 'string';

/**
 * Errors as pino logs them, except the database's. Drizzle writes a failed query's parameters
 * (learners' emails and names, secrets, tokens) into its error's message, stack and `params`: that
 * error is logged by its SQL (placeholders only) and its cause. PostgreSQL's, by its safe fields.
 */
export function serializeError(error: unknown): unknown {
  if (error instanceof DrizzleQueryError) {
    const message = `Failed query: ${error.query}`;
    return {
      type: 'DrizzleQueryError',
      message,
      // The stack begins with the message, parameters included.
      stack: error.stack?.replace(error.message, () => message),
      query: error.query,
      cause: serializeError(error.cause),
    };
  }
  if (isDatabaseError(error)) {
    // Its stack is the driver's parser (PGlite's minified); what went wrong is in its fields.
    const logged: Record<string, unknown> = { type: 'DatabaseError', message: error.message };
    for (const field of DATABASE_ERROR_FIELDS) if (error[field] !== undefined) logged[field] = error[field];
    return logged;
  }
  return pino.stdSerializers.err(error as Error);
}

/** What a request's log line shows of it; logs carry no personal data, and headers are never logged. */
const serializers = {
  err: serializeError,
  req: (request: LoggedRequest) => ({
    method: request.method,
    path: loggedPath(request),
    host: request.hostname,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }),
  res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
};

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    formatters: { log: censorSensitive },
    serializers,
    base: { service: 'laurel' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

const LOG_CHUNK_BYTES = 4096;

/**
 * Standard output by default, written asynchronously: a busy server coalesces log lines into few
 * writes instead of one blocking write per line (pino flushes what is pending when the process exits).
 * Chunks of 4 kB rather than sonic-boom's 16 kB: it measures the pending chunk's bytes again for
 * every line added, which at 16 kB cost more than formatting the line.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    loggerOptions(level),
    destination ?? pino.destination({ dest: 1, sync: false, maxWrite: LOG_CHUNK_BYTES }),
  );
}

export type { Logger };
