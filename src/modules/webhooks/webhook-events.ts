import type { Cache } from '../../platform/cache/cache.ts';
import { type ChangeTokens, changeKeys } from '../../platform/cache/change-tokens.ts';
import type { Db } from '../../platform/db/database.ts';
import type { JobQueue } from '../../platform/jobs/jobs.ts';
import type { WebhookEvent } from './webhooks.schema.ts';
import type { WebhooksRepository } from './webhooks.repository.ts';

/** Enqueued by the module where an event happens, in its transaction; fans out to subscriptions. */
export const WEBHOOK_FAN_OUT_JOB = 'webhooks.fan-out';

/** A site's subscribed events are kept this long at most; a subscription change replaces them at once. */
const SUBSCRIBED_SECONDS = 3600;

export interface WebhookEventData {
  siteId: number;
  event: WebhookEvent;
  payload: Record<string, unknown>;
}

/** What one fan-out job carries: the events of one change set of a site, in order. */
export interface FanOut {
  siteId: number;
  events: Omit<WebhookEventData, 'siteId'>[];
}

/**
 * Where modules hand the webhook events of their changes. Events that an active subscription of the
 * site wants are queued in the change's own transaction, so they are sent only if it commits; a
 * site without such subscriptions pays no job for them. The events a site subscribes to are cached
 * under a change token that subscription changes bump after their commit (see change-tokens.ts).
 */
export function createWebhookEvents(deps: {
  repository: WebhooksRepository;
  jobs: JobQueue;
  cache: Cache;
  changes: ChangeTokens;
}) {
  const { repository, jobs, cache, changes } = deps;

  // Read through the change's own transaction: PGlite has a single connection, which it holds.
  async function subscribedEvents(tx: Db, siteId: number): Promise<readonly string[]> {
    const [token] = await changes.current([changeKeys.webhookSubscriptions(siteId)]);
    return cache.wrap(`webhook-events:${siteId}:${token}`, SUBSCRIBED_SECONDS, () =>
      repository.subscribedEvents(tx, siteId),
    );
  }

  return {
    /** Queues these events of one change set through `tx`, those that anyone subscribes to, in one job. */
    async emit(tx: Db, siteId: number, events: Omit<WebhookEventData, 'siteId'>[]): Promise<void> {
      if (events.length === 0) return;
      const subscribed = await subscribedEvents(tx, siteId);
      const wanted = events.filter(({ event }) => subscribed.includes(event));
      if (wanted.length > 0) await jobs.enqueue<FanOut>(tx, WEBHOOK_FAN_OUT_JOB, { siteId, events: wanted });
    },
  };
}

export type WebhookEvents = ReturnType<typeof createWebhookEvents>;
