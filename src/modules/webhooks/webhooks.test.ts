import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeCatalog } from '../../../test/fake-upstream/catalog.ts';
import { type ApiEnv, startApiEnv } from '../../../test/helpers/api-env.ts';
import type { TestApp } from '../../../test/helpers/app.ts';
import { waitFor } from '../../../test/helpers/wait.ts';
import { signature } from './webhooks.service.ts';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('webhooks', () => {
  let env: ApiEnv;
  let t: TestApp;
  let catalog: FakeCatalog;
  let receiver: Server;
  let receiverUrl: string;
  const received: Received[] = [];
  /** Answers to give, in order; 204 once they run out. `big` is a 200 with 21 MB of body. */
  const answers: (number | 'big')[] = [];
  const auth: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        const answer = answers.shift() ?? 204;
        if (answer === 'big') response.writeHead(200).end(Buffer.alloc(21 * 1024 * 1024, 'x'));
        else response.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    env = await startApiEnv({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
    ({ t, catalog } = env);
    auth.admin = await env.as('admin', { administrator: true });
    auth.lms_worker = await env.as('lms_worker');
  });
  afterAll(async () => {
    await env?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, who = 'admin') =>
    t.app.inject({ method, url, headers: auth[who], ...(payload && { payload }) });
  const award = (username: string, runKey: string, status = 'awarded') =>
    call(
      'POST',
      '/api/v2/credentials/',
      { username, status, credential: { course_run_key: runKey, mode: 'verified' } },
      'lms_worker',
    );
  /** Until no event, completion or delivery job is waiting or running, and no delivery is pending. */
  const settled = () =>
    waitFor(
      async () => {
        const result = await t.database.db.execute(sql`
        select (select count(*) from pgboss.job
                 where (name like 'webhooks.%' or name like 'programs.%') and state in ('created', 'retry', 'active'))::int
             + (select count(*) from webhook_deliveries where status = 'pending')::int as n`);
        return (result as unknown as { rows: { n: number }[] }).rows[0]?.n === 0;
      },
      'the deliveries',
      40_000,
    );

  let secret: string;
  let subscription: string;

  it('refuses URLs that reach private or loopback addresses, and unknown events', async () => {
    for (const url of [
      'http://10.1.2.3/hook',
      'http://localhost:9/hook',
      'http://[::1]/hook',
      'ftp://example.org/',
      'https://user:pw@example.org/',
    ]) {
      const response = await call('POST', '/api/v2/webhooks/', { url, events: ['credential.awarded'] });
      expect(response.statusCode, url).toBe(400);
      expect(Object.keys(response.json())).toEqual(['url']);
    }
    expect(
      (await call('POST', '/api/v2/webhooks/', { url: receiverUrl, events: ['credential.lost'] })).statusCode,
    ).toBe(400);
  });

  it('queues no fan-out for events nobody subscribes to', async () => {
    await award('zoe', catalog.data.courses[0]!.course_runs[1]!.key);
    await settled();
    const result = await t.database.db.execute(
      sql`select count(*)::int as n from pgboss.job where name = 'webhooks.fan-out'`,
    );
    expect((result as unknown as { rows: { n: number }[] }).rows[0]?.n).toBe(0);
  });

  // The site's subscribed events were read (none) above: subscribing must make the next award count.
  it('subscribes, showing the secret once', async () => {
    const response = await call('POST', '/api/v2/webhooks/', {
      url: receiverUrl,
      events: ['credential.awarded', 'program.completed'],
    });
    expect(response.statusCode).toBe(201);
    ({ secret, uuid: subscription } = response.json());
    expect(secret).toMatch(/^[\w-]{40,}$/);
    expect((await call('GET', `/api/v2/webhooks/${subscription}/`)).json().secret).toBeUndefined();
  });

  it('delivers signed events for awards, and nothing for events not subscribed', async () => {
    await award('alice', catalog.data.courses[0]!.course_runs[0]!.key);
    await award('alice', catalog.data.courses[0]!.course_runs[0]!.key, 'revoked'); // not subscribed
    await settled();
    expect(received).toHaveLength(1);
    const [delivery] = received;
    const timestamp = String(delivery!.headers['x-laurel-timestamp']);
    expect(delivery!.headers['x-laurel-event']).toBe('credential.awarded');
    expect(delivery!.headers['x-laurel-signature']).toBe(signature(secret, timestamp, delivery!.body));
    expect(JSON.parse(delivery!.body).data.credential).toMatchObject({
      username: 'alice',
      status: 'awarded',
      type: 'course-run',
    });
  });

  it('retries a failed delivery with backoff until the receiver accepts it, and logs it', async () => {
    received.length = 0;
    answers.push(503);
    await award('bob', catalog.data.courses[1]!.course_runs[0]!.key);
    await settled();
    expect(received).toHaveLength(2);
    const log = (await call('GET', `/api/v2/webhooks/${subscription}/deliveries/`)).json();
    expect(log.results[0]).toMatchObject({
      event: 'credential.awarded',
      status: 'delivered',
      attempts: 2,
      last_status_code: 204,
    });
  }, 60_000);

  it("takes a receiver's 2xx as delivered, whatever the size of the body it sends back", async () => {
    received.length = 0;
    answers.push('big');
    await award('big.answer', catalog.data.courses[2]!.course_runs[0]!.key);
    await settled();
    expect(received).toHaveLength(1);
    const [latest] = (await call('GET', `/api/v2/webhooks/${subscription}/deliveries/`)).json().results;
    expect(latest).toMatchObject({ status: 'delivered', attempts: 1, last_status_code: 200 });
  });

  it('replays a delivery on request', async () => {
    received.length = 0;
    const [latest] = (await call('GET', `/api/v2/webhooks/${subscription}/deliveries/`)).json().results;
    const replayed = await call('POST', `/api/v2/webhooks/deliveries/${latest.uuid}/replay/`);
    expect(replayed.statusCode).toBe(202);
    await settled();
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body).id).toBe(replayed.json().uuid);
  });

  it('sends program.completed once when the last course of a program is earned', async () => {
    const program = catalog.data.programs.find((p) => new Set(p.courses.map((c) => c.uuid)).size >= 2)!;
    const configured = await call('POST', '/api/v2/program_certificates/', { program_uuid: program.uuid });
    expect(configured.statusCode).toBe(201);
    received.length = 0;
    for (const course of program.courses) await award('carol', course.course_runs[0]!.key);
    await award('carol', program.courses[0]!.course_runs[0]!.key); // nothing new
    await waitFor(
      async () => received.some((r) => r.headers['x-laurel-event'] === 'program.completed'),
      'program.completed',
      30_000,
    );
    await settled();
    expect(received.filter((r) => r.headers['x-laurel-event'] === 'program.completed')).toHaveLength(1);
  });

  it('stops sending when a subscription is switched off, retries included, and removes it', async () => {
    received.length = 0;
    answers.push(503);
    await award('erin', catalog.data.courses[3]!.course_runs[0]!.key);
    await waitFor(() => received.length === 1, 'the first attempt', 30_000);
    expect(
      (await call('PATCH', `/api/v2/webhooks/${subscription}/`, { is_active: false })).json().is_active,
    ).toBe(false);
    // The retry finds the subscription off: it gives up without sending.
    const deliveries = async () =>
      (await call('GET', `/api/v2/webhooks/${subscription}/deliveries/`)).json().results;
    await waitFor(async () => (await deliveries())[0].status === 'failed', 'the retry', 30_000);
    const [pending] = await deliveries();
    expect(pending).toMatchObject({ attempts: 1, last_error: 'The subscription was switched off.' });
    expect(received).toHaveLength(1);
    const replayed = await call('POST', `/api/v2/webhooks/deliveries/${pending.uuid}/replay/`);
    expect(replayed.statusCode).toBe(409);

    received.length = 0;
    await award('dave', catalog.data.courses[2]!.course_runs[0]!.key);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(received).toHaveLength(0);
    expect((await call('DELETE', `/api/v2/webhooks/${subscription}/`)).statusCode).toBe(204);
    expect((await call('GET', `/api/v2/webhooks/${subscription}/`)).statusCode).toBe(404);
  });
});
