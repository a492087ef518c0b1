import { and, asc, count, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { type WebhookEvent, webhookDeliveries, webhookSubscriptions } from './webhooks.schema.ts';

export type Subscription = typeof webhookSubscriptions.$inferSelect;
export type Delivery = typeof webhookDeliveries.$inferSelect;

export function createWebhooksRepository() {
  return {
    async listSubscriptions(db: Db, siteId: number, page: Page) {
      const where = eq(webhookSubscriptions.siteId, siteId);
      const [total] = await db.select({ value: count() }).from(webhookSubscriptions).where(where);
      const rows = await db
        .select()
        .from(webhookSubscriptions)
        .where(where)
        .orderBy(asc(webhookSubscriptions.id))
        .limit(page.limit)
        .offset(page.offset);
      return { count: total?.value ?? 0, rows };
    },

    async subscription(db: Db, siteId: number, uuid: string): Promise<Subscription | undefined> {
      const [row] = await db
        .select()
        .from(webhookSubscriptions)
        .where(and(eq(webhookSubscriptions.siteId, siteId), eq(webhookSubscriptions.uuid, uuid)));
      return row;
    },

    /** The events that at least one active subscription of the site wants. */
    async subscribedEvents(db: Db, siteId: number): Promise<string[]> {
      const rows = await db
        .selectDistinct({ event: sql<string>`jsonb_array_elements_text(${webhookSubscriptions.events})` })
        .from(webhookSubscriptions)
        .where(and(eq(webhookSubscriptions.siteId, siteId), eq(webhookSubscriptions.isActive, true)));
      return rows.map((row) => row.event);
    },

    /** Active subscriptions of the site that want this event. */
    async subscribers(db: Db, siteId: number, event: WebhookEvent): Promise<Subscription[]> {
      return db
        .select()
        .from(webhookSubscriptions)
        .where(
          and(
            eq(webhookSubscriptions.siteId, siteId),
            eq(webhookSubscriptions.isActive, true),
            sql`${webhookSubscriptions.events} @> ${JSON.stringify([event])}::jsonb`,
          ),
        );
    },

    async insertSubscription(
      db: Db,
      values: typeof webhookSubscriptions.$inferInsert,
    ): Promise<Subscription> {
      const [row] = await db.insert(webhookSubscriptions).values(values).returning();
      if (!row) throw new Error('insert into webhook_subscriptions returned no row');
      return row;
    },

    async updateSubscription(
      db: Db,
      id: number,
      values: Partial<typeof webhookSubscriptions.$inferInsert>,
    ): Promise<Subscription> {
      const [row] = await db
        .update(webhookSubscriptions)
        .set({ ...values, updatedAt: new Date() })
        .where(eq(webhookSubscriptions.id, id))
        .returning();
      if (!row) throw new Error(`webhook subscription ${id} vanished`);
      return row;
    },

    async deleteSubscription(db: Db, id: number): Promise<void> {
      await db.delete(webhookSubscriptions).where(eq(webhookSubscriptions.id, id));
    },

    async insertDelivery(db: Db, values: typeof webhookDeliveries.$inferInsert): Promise<Delivery> {
      const [row] = await db.insert(webhookDeliveries).values(values).returning();
      if (!row) throw new Error('insert into webhook_deliveries returned no row');
      return row;
    },

    async delivery(db: Db, where: { id: number } | { siteId: number; uuid: string }) {
      const condition =
        'id' in where
          ? eq(webhookDeliveries.id, where.id)
          : and(eq(webhookDeliveries.siteId, where.siteId), eq(webhookDeliveries.uuid, where.uuid));
      const [row] = await db
        .select({ delivery: webhookDeliveries, subscription: webhookSubscriptions })
        .from(webhookDeliveries)
        .innerJoin(webhookSubscriptions, eq(webhookSubscriptions.id, webhookDeliveries.subscriptionId))
        .where(condition);
      return row;
    },

    async updateDelivery(
      db: Db,
      id: number,
      values: Partial<typeof webhookDeliveries.$inferInsert>,
    ): Promise<void> {
      await db
        .update(webhookDeliveries)
        .set({ ...values, updatedAt: new Date() })
        .where(eq(webhookDeliveries.id, id));
    },

    async listDeliveries(db: Db, subscriptionId: number, page: Page) {
      const where = eq(webhookDeliveries.subscriptionId, subscriptionId);
      const [total] = await db.select({ value: count() }).from(webhookDeliveries).where(where);
      const rows = await db
        .select()
        .from(webhookDeliveries)
        .where(where)
        .orderBy(desc(webhookDeliveries.id))
        .limit(page.limit)
        .offset(page.offset);
      return { count: total?.value ?? 0, rows };
    },
  };
}

export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>;
