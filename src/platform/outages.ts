/** Node's codes for a connection that could not be made, or was lost. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/**
 * PostgreSQL refusing for the moment: shutting down, crashed, starting up (57P01–57P03), too many
 * connections (53300), a statement cancelled for running too long (57014, DATABASE_STATEMENT_TIMEOUT_SECONDS). Connection exceptions (class 08) are matched by their class.
 */
const UNAVAILABLE_SQLSTATES: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03', '53300', '57014']);
/**
 * What node-postgres and ioredis say, without a code, when their connection is gone or their server
 * stopped answering (a transaction's rollback on a lost connection fails with "not queryable", and
 * that error is the one thrown).
 */
const LOST_CONNECTION =
  /^(Connection terminated|timeout exceeded when trying to connect|Connection is closed|Client has encountered a connection error and is not queryable|Query read timeout|Command timed out)/;

/**
 * Whether an error means a service Laurel depends on (PostgreSQL, Redis) cannot be reached right
 * now, rather than a fault of the request or of Laurel: worth answering 503 and trying again later.
 * Drivers and Drizzle wrap errors, so the causes are looked at too.
 */
export function isOutage(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code, name, message, cause } = current as {
      code?: unknown;
      name?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))
        return true;
    }
    if (name === 'MaxRetriesPerRequestError') return true;
    if (typeof message === 'string' && LOST_CONNECTION.test(message)) return true;
    current = cause;
  }
  return false;
}
