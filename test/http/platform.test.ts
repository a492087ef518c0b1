import Type from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, createTestApp } from '../helpers/app.ts';

describe('HTTP platform', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ BODY_LIMIT: '2048' });
    // A route of the test's own, to exercise body parsing, limits and validation errors.
    t.app.post(
      '/test/echo/',
      {
        schema: {
          body: Type.Object(
            { username: Type.String({ minLength: 1, maxLength: 10 }), count: Type.Optional(Type.Integer()) },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => request.body,
    );
    t.app.get('/test/boom/', async () => {
      throw new Error('database password is hunter2');
    });
  });
  afterAll(() => t.close());

  it('reports health in the Open edX shape', async () => {
    const response = await t.app.inject({ url: '/health/' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ overall_status: 'OK', detailed_status: { database_status: 'OK' } });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('answers health on any host, since load balancers probe by IP', async () => {
    const response = await t.app.inject({ url: '/health/', headers: { host: '10.0.0.7:8150' } });
    expect(response.statusCode).toBe(200);
  });

  it('serves Prometheus metrics that count requests by route template', async () => {
    await t.app.inject({ url: '/api/v2/site/' });
    const response = await t.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toMatch(
      /laurel_http_requests_total\{method="GET",route="\/api\/v2\/site\/",status_code="200"\} \d+/,
    );
    expect(response.body).toContain('laurel_process_cpu_user_seconds_total');
    expect(response.body).toMatch(
      /laurel_jobs_pending\{queue="programs\.evaluate-completion",state="created"\} \d+/,
    );
  });

  it('publishes an OpenAPI document and a docs UI', async () => {
    const schema = await t.app.inject({ url: '/api/schema/' });
    expect(schema.statusCode).toBe(200);
    const document = schema.json();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toContain('/api/v2/site/');
    expect(Object.keys(document.paths)).toContain('/health/');

    const ui = await t.app.inject({ url: '/api/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
  });

  it('sets security headers and a strict content security policy', async () => {
    const response = await t.app.inject({ url: '/api/v2/site/' });
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  });

  it('gives every response a request id, keeping a well-formed one from the caller', async () => {
    const own = await t.app.inject({ url: '/health/' });
    expect(own.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await t.app.inject({ url: '/health/', headers: { 'x-request-id': 'lms-req-12345678' } });
    expect(given.headers['x-request-id']).toBe('lms-req-12345678');
    const hostile = await t.app.inject({
      url: '/health/',
      headers: { 'x-request-id': 'bad id\u0000<script>' },
    });
    expect(hostile.headers['x-request-id']).not.toContain('<');
  });

  it('answers unknown routes with 404 and the DRF body', async () => {
    const response = await t.app.inject({ url: '/no/such/route/' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Not found.' });
  });

  it('refuses bodies over the limit with 413', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/test/echo/',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'x'.repeat(4096) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ detail: 'Request body is too large.' });
  });

  it.each([
    ['malformed JSON', '{"username": ', 'application/json'],
    ['an empty JSON body', '', 'application/json'],
    ['JSON that is not an object', '[1,2]', 'application/json'],
  ])('answers %s with 400 and a detail', async (_name, payload, contentType) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/test/echo/',
      headers: { 'content-type': contentType },
      payload,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toBeTypeOf('object');
  });

  it('answers an unsupported content type with 415', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/test/echo/',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().detail).toContain('application/xml');
  });

  it('reports validation errors per field, as DRF does', async () => {
    const missing = await t.app.inject({ method: 'POST', url: '/test/echo/', payload: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ username: ['This field is required.'] });

    const several = await t.app.inject({
      method: 'POST',
      url: '/test/echo/',
      payload: { username: 'much-too-long-name', count: 'many', extra: 1 },
    });
    expect(several.statusCode).toBe(400);
    expect(several.json()).toEqual({
      username: ['Ensure this field has no more than 10 characters.'],
      count: ['Must be integer.'],
      extra: ['Unknown field.'],
    });
  });

  it('hides the details of unexpected errors behind a plain 500', async () => {
    const response = await t.app.inject({ url: '/test/boom/' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ detail: 'A server error occurred.' });
    expect(response.body).not.toContain('hunter2');
  });
});

describe('health when the database is down', () => {
  it('answers 503 with UNAVAILABLE', async () => {
    const t = await createTestApp();
    await t.database.close();
    const response = await t.app.inject({ url: '/health/' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      overall_status: 'UNAVAILABLE',
      detailed_status: { database_status: 'UNAVAILABLE' },
    });
    await t.app.close();
  });
});
