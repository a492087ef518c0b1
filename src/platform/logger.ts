import pino, { type Logger, type LoggerOptions } from 'pino';

/**
 * Paths pino replaces with "[redacted]" wherever they appear in a log record. Request logs carry
 * headers only through these serializers, and domain code logs ids, never names or emails.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrftoken"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.clientSecret',
  '*.oauthClientSecret',
  '*.email',
  '*.fullName',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'laurel' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

/**
 * Standard output by default, written asynchronously: a busy server coalesces log lines into few
 * writes instead of one blocking write per line (pino flushes what is pending when the process exits).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(loggerOptions(level), destination ?? pino.destination({ dest: 1, sync: false }));
}

export type { Logger };
