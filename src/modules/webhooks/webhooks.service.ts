import { createHmac, randomBytes } from 'node:crypto';
import { Agent } from 'undici';
import type { Clock } from '../../platform/clock.ts';
import { type ChangeTokens, changeKeys } from '../../platform/cache/change-tokens.ts';
import type { Database, Db } from '../../platform/db/database.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts';
import type { HttpClient } from '../../platform/http-client/http-client.ts';
import { outboundUrlProblem, publicOnlyLookup } from '../../platform/http-client/outbound-url.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { parseUuid } from '../../platform/ids.ts';
import type { JobQueue } from '../../platform/jobs/jobs.ts';
import { type Actor, type AuditService, diffForAudit } from '../audit/audit.service.ts';
import type { Site } from '../sites/sites.service.ts';
import { WEBHOOK_EVENTS, type WebhookEvent } from './webhooks.schema.ts';
import type { WebhooksRepository } from './webhooks.repository.ts';
import { type FanOut, WEBHOOK_FAN_OUT_JOB } from './webhook-events.ts';

const WEBHOOK_DELIVER_JOB = 'webhooks.deliver';
const DELIVERY_RETRIES = 8;

/** `sha256=<hex>` of `<timestamp>.<body>` under the subscription's secret. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface SubscriptionInput {
  url?: string;
  events?: string[];
  isActive?: boolean;
}

export function createWebhooksService(deps: {
  database: Database;
  repository: WebhooksRepository;
  jobs: JobQueue;
  http: HttpClient;
  audit: AuditService;
  changes: ChangeTokens;
  clock: Clock;
  allowedHosts: readonly string[];
}) {
  const { database, repository, jobs, http, audit, changes, clock, allowedHosts } = deps;
  // Deliveries connect only to the public addresses their URL was checked for, whatever the host's
  // name resolves to by the time they are sent.
  const publicOnly = new Agent({ connect: { lookup: publicOnlyLookup(allowedHosts) } });
  const { db } = database;

  async function checked(input: SubscriptionInput): Promise<SubscriptionInput> {
    const errors: Record<string, string[]> = {};
    if (input.url !== undefined) {
      const problem = await outboundUrlProblem(input.url, allowedHosts);
      if (problem) errors.url = [`The URL ${problem}.`];
    }
    if (input.events !== undefined) {
      const unknown = input.events.filter((event) => !(WEBHOOK_EVENTS as readonly string[]).includes(event));
      if (unknown.length > 0)
        errors.events = [`Unknown events: ${unknown.join(', ')}. Known: ${WEBHOOK_EVENTS.join(', ')}.`];
      else if (input.events.length === 0) errors.events = ['Name at least one event.'];
    }
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);
    return { ...input, events: input.events && [...new Set(input.events)] };
  }

  async function subscription(site: Site, uuid: string) {
    const parsed = parseUuid(uuid);
    const row = parsed ? await repository.subscription(db, site.id, parsed) : undefined;
    if (!row) throw new NotFoundError();
    return row;
  }

  const record = (
    executor: Db,
    actor: Actor,
    site: Site,
    action: string,
    targetId: string,
    diff: Record<string, unknown> = {},
  ) =>
    audit.record(executor, actor, {
      siteId: site.id,
      action,
      targetType: 'webhook',
      targetId,
      changes: diff,
    });

  /** Changes a site's subscriptions and audits it in one transaction; then its subscribed events are re-read. */
  const changeSubscriptions = <T>(site: Site, work: (tx: Db) => Promise<T>) =>
    changes.commit(db, work, [changeKeys.webhookSubscriptions(site.id)]);

  async function queueDelivery(
    tx: Db,
    siteId: number,
    subscriptionId: number,
    event: string,
    payload: unknown,
  ) {
    const delivery = await repository.insertDelivery(tx, { siteId, subscriptionId, event, payload });
    await jobs.enqueue(tx, WEBHOOK_DELIVER_JOB, { deliveryId: delivery.id });
    return delivery;
  }

  /** Sends one delivery; a failure throws, so the job is retried with backoff. */
  async function deliver(deliveryId: number, retryCount: number) {
    const found = await repository.delivery(db, { id: deliveryId });
    if (!found || found.delivery.status === 'delivered') return { skipped: true };
    const { delivery, subscription: target } = found;
    if (!target.isActive) {
      // Switched off since it was queued: what is pending is not sent, nor tried again.
      await repository.updateDelivery(db, delivery.id, {
        status: 'failed',
        lastError: 'The subscription was switched off.',
      });
      return { skipped: 'the subscription is switched off' };
    }
    const attempts = delivery.attempts + 1;
    const lastTry = retryCount >= DELIVERY_RETRIES;
    const fail = async (message: string, statusCode: number | null) => {
      await repository.updateDelivery(db, delivery.id, {
        attempts,
        lastError: message,
        lastStatusCode: statusCode,
        status: lastTry ? 'failed' : 'pending',
      });
      throw new Error(message);
    };
    const problem = await outboundUrlProblem(target.url, allowedHosts);
    if (problem) return fail(`The URL ${problem}.`, null);
    const body = JSON.stringify({
      id: delivery.uuid,
      event: delivery.event,
      created: delivery.createdAt.toISOString(),
      data: delivery.payload,
    });
    const timestamp = String(Math.floor(clock.now().getTime() / 1000));
    let status: number;
    try {
      const response = await http.request({
        method: 'POST',
        url: target.url,
        body,
        retries: 0,
        dispatcher: publicOnly,
        ignoreBody: true,
        headers: {
          'content-type': 'application/json',
          'x-laurel-event': delivery.event,
          'x-laurel-delivery': delivery.uuid,
          'x-laurel-timestamp': timestamp,
          'x-laurel-signature': signature(target.secret, timestamp, body),
        },
      });
      status = response.status;
    } catch (error) {
      return fail((error as Error).message, null);
    }
    if (status < 200 || status >= 300) return fail(`The receiver answered HTTP ${status}.`, status);
    await repository.updateDelivery(db, delivery.id, {
      attempts,
      status: 'delivered',
      lastStatusCode: status,
      lastError: null,
      deliveredAt: clock.now(),
    });
    return { delivered: true };
  }

  return {
    listSubscriptions: (site: Site, page: Page) => repository.listSubscriptions(db, site.id, page),
    subscription,

    /** Creates a subscription; the secret (given or generated) is shown only in this answer. */
    async subscribe(
      site: Site,
      input: Required<Pick<SubscriptionInput, 'url' | 'events'>> & { secret?: string },
      actor: Actor,
    ) {
      const valid = await checked(input);
      const secret = input.secret ?? randomBytes(32).toString('base64url');
      return changeSubscriptions(site, async (tx) => {
        const created = await repository.insertSubscription(tx, {
          siteId: site.id,
          url: valid.url ?? input.url,
          events: (valid.events ?? []) as WebhookEvent[],
          secret,
        });
        await record(tx, actor, site, 'webhook.created', created.uuid, {
          url: [null, created.url],
          events: [null, created.events],
        });
        return created;
      });
    },

    async update(site: Site, uuid: string, input: SubscriptionInput, actor: Actor) {
      const existing = await subscription(site, uuid);
      const valid = await checked(input);
      const values = {
        ...(valid.url !== undefined && { url: valid.url }),
        ...(valid.events !== undefined && { events: valid.events as WebhookEvent[] }),
        ...(valid.isActive !== undefined && { isActive: valid.isActive }),
      };
      return changeSubscriptions(site, async (tx) => {
        const updated = await repository.updateSubscription(tx, existing.id, values);
        const diff = diffForAudit(existing as Record<string, unknown>, values);
        await record(tx, actor, site, 'webhook.updated', existing.uuid, diff);
        return updated;
      });
    },

    async unsubscribe(site: Site, uuid: string, actor: Actor) {
      const existing = await subscription(site, uuid);
      await changeSubscriptions(site, async (tx) => {
        await repository.deleteSubscription(tx, existing.id);
        await record(tx, actor, site, 'webhook.deleted', existing.uuid);
      });
    },

    async deliveries(site: Site, uuid: string, page: Page) {
      return repository.listDeliveries(db, (await subscription(site, uuid)).id, page);
    },

    /** Sends a past delivery's event again, as a new delivery. */
    async replay(site: Site, deliveryUuid: string, actor: Actor) {
      const parsed = parseUuid(deliveryUuid);
      const found = parsed ? await repository.delivery(db, { siteId: site.id, uuid: parsed }) : undefined;
      if (!found) throw new NotFoundError();
      if (!found.subscription.isActive)
        throw new ConflictError('The subscription is switched off: switch it on to replay its deliveries.');
      const replayed = await db.transaction((tx) =>
        queueDelivery(tx, site.id, found.subscription.id, found.delivery.event, found.delivery.payload),
      );
      await record(db, actor, site, 'webhook.replayed', found.subscription.uuid, {
        delivery: [found.delivery.uuid, replayed.uuid],
      });
      return replayed;
    },

    defineJobs(): void {
      jobs.define<FanOut>({
        name: WEBHOOK_FAN_OUT_JOB,
        handler: async ({ siteId, events }) => {
          const subscribersOf = new Map<string, { id: number }[]>();
          for (const { event } of events) {
            if (!subscribersOf.has(event))
              subscribersOf.set(event, await repository.subscribers(db, siteId, event));
          }
          let deliveries = 0;
          await db.transaction(async (tx) => {
            for (const { event, payload } of events) {
              for (const target of subscribersOf.get(event) ?? []) {
                await queueDelivery(tx, siteId, target.id, event, payload);
                deliveries += 1;
              }
            }
          });
          return { deliveries };
        },
      });
      jobs.define<{ deliveryId: number }>({
        name: WEBHOOK_DELIVER_JOB,
        retryLimit: DELIVERY_RETRIES,
        retryDelaySeconds: 5,
        retryDelayMaxSeconds: 3600,
        expireInSeconds: 120,
        handler: ({ deliveryId }, { retryCount }) => deliver(deliveryId, retryCount),
      });
    },
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
