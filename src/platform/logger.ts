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

/** What a request's log line shows of it; logs carry no personal data, and headers are never logged. */
const serializers = {
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
