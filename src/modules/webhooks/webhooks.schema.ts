import { index, integer, jsonb, pgTable, text, timestamp, varchar, boolean } from 'drizzle-orm/pg-core';
import { id, publicUuid, ref, timestamps } from '../../platform/db/columns.ts';
import { siteId } from '../sites/sites.schema.ts';

export const WEBHOOK_EVENTS = [
  'credential.awarded',
  'credential.revoked',
  'grade.updated',
  'program.completed',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Where a site wants its events sent, and the secret their signatures use. */
export const webhookSubscriptions = pgTable(
  'webhook_subscriptions',
  {
    id: id(),
    uuid: publicUuid(),
    siteId: siteId(),
    url: text('url').notNull(),
    secret: text('secret').notNull(),
    events: jsonb('events').$type<WebhookEvent[]>().notNull(),
    isActive: boolean('is_active').notNull().default(true),
    ...timestamps(),
  },
  (t) => [index().on(t.siteId)],
);

/** One event sent (or being sent) to one subscription: the delivery log. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    uuid: publicUuid(),
    siteId: siteId(),
    subscriptionId: ref('subscription_id')
      .notNull()
      .references(() => webhookSubscriptions.id, { onDelete: 'cascade' }),
    event: varchar('event', { length: 64 }).notNull(),
    payload: jsonb('payload').notNull(),
    status: varchar('status', { length: 16, enum: ['pending', 'delivered', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [index().on(t.subscriptionId, t.createdAt), index().on(t.siteId)],
);
