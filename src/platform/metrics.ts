import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { withTimeout } from './db/database.ts';
import type { JobQueue } from './jobs/jobs.ts';

/** Prometheus metrics for one app instance (its own registry, so tests can build several apps). */
export interface Metrics {
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  httpRequests: Counter<'method' | 'route' | 'status_code'>;
}

/** How long a scrape waits for the job count before answering without it. */
const JOB_COUNT_TIMEOUT_MS = 2000;

export function createMetrics(jobs: Pick<JobQueue, 'pending'>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'laurel_' });
  new Gauge({
    name: 'laurel_jobs_pending',
    help: 'Background jobs not done yet, by queue and state (created, retry, active): a growing count is a backlog.',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      // A scrape still answers when the database does not (the gauge is left out); /health/ says why.
      // The count's own timeout frees its connection; this one also covers waiting for a connection.
      const counting = jobs.pending(JOB_COUNT_TIMEOUT_MS);
      const pending = await withTimeout(counting, JOB_COUNT_TIMEOUT_MS, 'job count').catch(() => []);
      for (const { name, state, count } of pending) this.set({ queue: name, state }, count);
    },
  });
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'laurel_http_request_duration_seconds',
      help: 'HTTP request duration by route template and status.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'laurel_http_requests_total',
      help: 'HTTP requests by route template and status.',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    }),
  };
}
