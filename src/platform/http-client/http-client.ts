import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';

/**
 * Outbound HTTP for calls to the LMS, the catalog service and webhooks: every request has a timeout,
 * and failures that are worth another try (network errors, timeouts, 429, 500, 502–504) are retried with
 * exponential backoff and jitter. Only idempotent methods are retried unless the caller says so.
 * Never call this inside a database transaction.
 */
export interface HttpRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON with the matching content type. */
  json?: unknown;
  body?: string;
  timeoutMs?: number;
  retries?: number;
  /** Retry a non-idempotent method too (the caller made it safe, e.g. with an idempotency key). */
  retryUnsafe?: boolean;
  /** How connections are made, when not as usual (an undici Agent, e.g. one that checks addresses). */
  dispatcher?: Dispatcher;
  /** Only the status matters (a webhook receiver's answer): the body is not read, whatever its size. */
  ignoreBody?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  json<T = unknown>(): T;
}

export class UpstreamError extends Error {
  readonly url: string;
  readonly status: number | undefined;
  readonly attempts: number;

  constructor(message: string, details: { url: string; status?: number; attempts: number; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.name = 'UpstreamError';
    this.url = details.url;
    this.status = details.status;
    this.attempts = details.attempts;
  }
}

export interface HttpClientOptions {
  timeoutMs?: number;
  retries?: number;
  /** First backoff delay; doubles on each retry. */
  backoffMs?: number;
  maxBackoffMs?: number;
  userAgent?: string;
  /** Largest response body read, in bytes. */
  maxResponseBytes?: number;
}

export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/** The URL without credentials or query string, for messages and logs. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

async function readBody(response: Response, limit: number, what: string, attempts: number): Promise<string> {
  const tooLarge = () =>
    new UpstreamError(`${what} answered with a body over ${limit} bytes`, {
      url: what,
      status: response.status,
      attempts,
    });
  const declared = Number(response.headers.get('content-length'));
  if (declared > limit) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const defaults = {
    timeoutMs: options.timeoutMs ?? 10_000,
    retries: options.retries ?? 3,
    backoffMs: options.backoffMs ?? 250,
    maxBackoffMs: options.maxBackoffMs ?? 10_000,
    userAgent: options.userAgent ?? 'Laurel',
    maxResponseBytes: options.maxResponseBytes ?? 20 * 1024 * 1024,
  };

  const backoff = (attempt: number, hinted?: number) => {
    const exponential = Math.min(defaults.maxBackoffMs, defaults.backoffMs * 2 ** attempt);
    const jittered = exponential / 2 + Math.random() * (exponential / 2);
    return Math.min(defaults.maxBackoffMs, Math.max(jittered, hinted ?? 0));
  };

  return {
    async request(request) {
      const method = (request.method ?? 'GET').toUpperCase();
      const shown = describeUrl(request.url);
      const parsed = URL.parse(request.url);
      // fetch would echo such a URL, credentials and all, in its error messages.
      if (!parsed || parsed.username || parsed.password) {
        throw new UpstreamError(`${method} ${shown}: invalid URL, or credentials in the URL (use a header)`, {
          url: shown,
          attempts: 0,
        });
      }
      const retries =
        IDEMPOTENT.has(method) || request.retryUnsafe ? (request.retries ?? defaults.retries) : 0;
      const headers: Record<string, string> = {
        'user-agent': defaults.userAgent,
        accept: 'application/json',
        ...request.headers,
      };
      let body = request.body;
      if (request.json !== undefined) {
        body = JSON.stringify(request.json);
        headers['content-type'] = 'application/json';
      }

      for (let attempt = 0; ; attempt += 1) {
        const attempts = attempt + 1;
        let response: Response;
        try {
          response = await fetch(request.url, {
            method,
            headers,
            body,
            redirect: 'manual',
            signal: AbortSignal.timeout(request.timeoutMs ?? defaults.timeoutMs),
            ...(request.dispatcher && { dispatcher: request.dispatcher }),
          } as RequestInit);
        } catch (error) {
          const timedOut = (error as Error).name === 'TimeoutError';
          if (attempt < retries) {
            await sleep(backoff(attempt));
            continue;
          }
          const reason = timedOut
            ? `timed out after ${request.timeoutMs ?? defaults.timeoutMs} ms`
            : `failed: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`;
          throw new UpstreamError(
            `${method} ${shown} ${reason} (${attempts} attempt${attempts > 1 ? 's' : ''})`,
            {
              url: shown,
              attempts,
              cause: error,
            },
          );
        }
        if (RETRYABLE_STATUS.has(response.status) && attempt < retries) {
          await response.body?.cancel();
          await sleep(backoff(attempt, retryAfterMs(response.headers)));
          continue;
        }
        let text = '';
        try {
          if (request.ignoreBody) await response.body?.cancel();
          else text = await readBody(response, defaults.maxResponseBytes, `${method} ${shown}`, attempts);
        } catch (error) {
          if (error instanceof UpstreamError) throw error;
          const reason =
            (error as Error).name === 'TimeoutError'
              ? `timed out after ${request.timeoutMs ?? defaults.timeoutMs} ms reading the body`
              : `failed reading the body: ${(error as Error).message}`;
          throw new UpstreamError(
            `${method} ${shown} ${reason} (${attempts} attempt${attempts > 1 ? 's' : ''})`,
            {
              url: shown,
              status: response.status,
              attempts,
              cause: error,
            },
          );
        }
        return {
          status: response.status,
          headers: response.headers,
          text,
          json<T>() {
            try {
              return JSON.parse(text) as T;
            } catch {
              throw new UpstreamError(
                `${method} ${shown} answered ${response.status} with a body that is not JSON`,
                {
                  url: shown,
                  status: response.status,
                  attempts,
                },
              );
            }
          },
        };
      }
    },
  };
}
