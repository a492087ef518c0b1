import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError, createHttpClient } from './http-client.ts';

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

interface Hit {
  method: string;
  url: string;
  body: string;
  headers: IncomingMessage['headers'];
  at: number;
}

/** A real HTTP server on 127.0.0.1 whose answer each test chooses; it records every request. */
let server: Server;
let base: string;
let handler: Handler;
let hits: Hit[];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      hits.push({
        method: request.method ?? '',
        url: request.url ?? '',
        body,
        headers: request.headers,
        at: Date.now(),
      });
      handler(request, response, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

beforeEach(() => {
  hits = [];
  handler = (_request, response) => response.end('unset');
});

/** Answers each request with the next status of the list (the last one repeats). */
function answerInTurn(...statuses: number[]): Handler {
  let index = 0;
  return (_request, response) => {
    const status = statuses[Math.min(index, statuses.length - 1)] ?? 500;
    index += 1;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status }));
  };
}

async function upstreamError(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

const fast = { backoffMs: 10, maxBackoffMs: 50 };

describe('createHttpClient', () => {
  it('returns the status, text and parsed JSON of a GET', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'x-laurel': 'yes' });
      response.end('{"course":"course-v1:A+B+C","count":3}');
    };
    const response = await createHttpClient(fast).request({ url: `${base}/api/thing?x=1` });
    expect(response.status).toBe(200);
    expect(response.text).toBe('{"course":"course-v1:A+B+C","count":3}');
    expect(response.json()).toEqual({ course: 'course-v1:A+B+C', count: 3 });
    expect(response.headers.get('x-laurel')).toBe('yes');
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ method: 'GET', url: '/api/thing?x=1' });
    expect(hits[0]?.headers['user-agent']).toBe('Laurel');
    expect(hits[0]?.headers.accept).toBe('application/json');
  });

  it('sends a JSON body with its content type', async () => {
    handler = (_request, response, body) => response.end(body);
    const response = await createHttpClient(fast).request({ method: 'post', url: base, json: { a: [1, 2] } });
    expect(response.json()).toEqual({ a: [1, 2] });
    expect(hits[0]?.method).toBe('POST');
    expect(hits[0]?.headers['content-type']).toBe('application/json');
  });

  it('returns a non-retryable error status without retrying', async () => {
    handler = answerInTurn(404, 200);
    const response = await createHttpClient(fast).request({ url: base });
    expect(response.status).toBe(404);
    expect(hits).toHaveLength(1);
  });

  it('retries a GET answered 503 and succeeds', async () => {
    handler = answerInTurn(503, 503, 200);
    const response = await createHttpClient({ ...fast, retries: 3 }).request({ url: `${base}/flaky` });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ status: 200 });
    expect(hits).toHaveLength(3);
  });

  it('returns the last retryable answer once retries are used up', async () => {
    handler = answerInTurn(503);
    const response = await createHttpClient({ ...fast, retries: 2 }).request({ url: base });
    expect(response.status).toBe(503);
    expect(hits).toHaveLength(3);
  });

  it('does not retry a POST answered 503', async () => {
    handler = answerInTurn(503, 200);
    const response = await createHttpClient({ ...fast, retries: 3 }).request({
      method: 'POST',
      url: base,
      json: {},
    });
    expect(response.status).toBe(503);
    expect(hits).toHaveLength(1);
  });

  it('retries a POST answered 503 when retryUnsafe is set', async () => {
    handler = answerInTurn(503, 200);
    const response = await createHttpClient({ ...fast, retries: 3 }).request({
      method: 'POST',
      url: base,
      json: { n: 1 },
      retryUnsafe: true,
    });
    expect(response.status).toBe(200);
    expect(hits).toHaveLength(2);
    expect(hits.map((hit) => hit.body)).toEqual(['{"n":1}', '{"n":1}']);
  });

  it('fails with "timed out" when the server never answers', async () => {
    handler = () => {};
    const client = createHttpClient({ timeoutMs: 200, retries: 1, backoffMs: 10 });
    const started = Date.now();
    const error = await upstreamError(client.request({ url: `${base}/slow?token=secret` }));
    const elapsed = Date.now() - started;
    expect(error.message).toContain('timed out');
    expect(error.message).toContain('200 ms');
    expect(error.attempts).toBe(2);
    expect(hits).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(5000);
    expect(error.message).not.toContain('secret');
    expect(error.message).not.toContain('?');
    expect(error.url).toBe(`${base}/slow`);
  });

  it('honours a per-request timeout', async () => {
    handler = () => {};
    const client = createHttpClient({ timeoutMs: 60_000, retries: 0 });
    const error = await upstreamError(client.request({ url: base, timeoutMs: 100 }));
    expect(error.message).toContain('timed out after 100 ms');
    expect(error.attempts).toBe(1);
  });

  describe('against a closed port', () => {
    let closedUrl: string;

    beforeAll(async () => {
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const { port } = probe.address() as AddressInfo;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      closedUrl = `http://127.0.0.1:${port}/path?token=secret`;
    });

    it('fails with an UpstreamError that counts the attempts', async () => {
      const error = await upstreamError(
        createHttpClient({ ...fast, retries: 2 }).request({ url: closedUrl }),
      );
      expect(error.attempts).toBe(3);
      expect(error.status).toBeUndefined();
      expect(error.message).toContain('3 attempts');
      expect(error.message).toMatch(/failed/);
      expect(error.message).not.toContain('secret');
    });

    it('makes a single attempt for a POST', async () => {
      const client = createHttpClient({ ...fast, retries: 2 });
      const error = await upstreamError(client.request({ method: 'POST', url: closedUrl }));
      expect(error.attempts).toBe(1);
      expect(error.message).toContain('1 attempt)');
    });
  });

  it('waits as long as Retry-After asks on a 429', async () => {
    let first = true;
    handler = (_request, response) => {
      if (first) {
        first = false;
        response.writeHead(429, { 'retry-after': '1' });
        response.end();
      } else {
        response.end('ok');
      }
    };
    const client = createHttpClient({ backoffMs: 1, maxBackoffMs: 5000, retries: 1 });
    const response = await client.request({ url: base });
    expect(response.status).toBe(200);
    expect(response.text).toBe('ok');
    expect(hits).toHaveLength(2);
    const gap = (hits[1]?.at ?? 0) - (hits[0]?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(950);
    expect(gap).toBeLessThan(3000);
  });

  it('bounds a long Retry-After by maxBackoffMs', async () => {
    let first = true;
    handler = (_request, response) => {
      if (first) {
        first = false;
        response.writeHead(429, { 'retry-after': '3600' });
        response.end();
      } else {
        response.end('ok');
      }
    };
    const client = createHttpClient({ backoffMs: 1, maxBackoffMs: 250, retries: 1 });
    const response = await client.request({ url: base });
    expect(response.status).toBe(200);
    const gap = (hits[1]?.at ?? 0) - (hits[0]?.at ?? 0);
    // backoffMs alone would wait about 1 ms: the hint was used, capped at maxBackoffMs.
    expect(gap).toBeGreaterThanOrEqual(240);
    expect(gap).toBeLessThan(2000);
  });

  it('throws an UpstreamError from json() when the body is not JSON', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>oops</html>');
    };
    const response = await createHttpClient(fast).request({ url: `${base}/page?token=secret` });
    expect(response.text).toBe('<html>oops</html>');
    let thrown: unknown;
    try {
      response.json();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UpstreamError);
    const error = thrown as UpstreamError;
    expect(error.message).toContain('not JSON');
    expect(error.status).toBe(200);
    expect(error.message).not.toContain('secret');
  });

  it('refuses a body larger than maxResponseBytes when Content-Length declares it', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-length': '2048' });
      response.end('x'.repeat(2048));
    };
    const client = createHttpClient({ ...fast, maxResponseBytes: 1024 });
    const error = await upstreamError(client.request({ url: `${base}/big?token=secret` }));
    expect(error.message).toContain('1024 bytes');
    expect(error.status).toBe(200);
    expect(error.message).not.toContain('secret');
  });

  it('refuses a streamed body that grows past maxResponseBytes', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 8; i += 1) response.write('y'.repeat(512));
      response.end();
    };
    const client = createHttpClient({ ...fast, maxResponseBytes: 1024 });
    const error = await upstreamError(client.request({ url: `${base}/stream?token=secret` }));
    expect(error.message).toContain('1024 bytes');
    expect(error.message).not.toContain('secret');
  });

  it('accepts a body of exactly maxResponseBytes', async () => {
    handler = (_request, response) => response.end('z'.repeat(1024));
    const response = await createHttpClient({ ...fast, maxResponseBytes: 1024 }).request({ url: base });
    expect(response.text).toHaveLength(1024);
  });

  it('keeps the query string and credentials out of error messages', async () => {
    handler = () => {};
    const client = createHttpClient({ timeoutMs: 100, retries: 0 });
    const url = `http://user:password@127.0.0.1:${new URL(base).port}/x?token=secret&key=hunter2`;
    const error = await upstreamError(client.request({ url }));
    for (const leak of ['secret', 'hunter2', 'password', 'user:', '?'])
      expect(error.message).not.toContain(leak);
    expect(error.url).toBe(`${base}/x`);
  });

  it('turns a timeout while reading the body into an UpstreamError', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"partial":');
    };
    const client = createHttpClient({ timeoutMs: 200, retries: 0 });
    const error = await upstreamError(client.request({ url: `${base}/stall?token=secret` }));
    expect(error.message).toContain('timed out');
    expect(error.message).not.toContain('secret');
  });
});
