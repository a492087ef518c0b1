import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { drfDate } from '../../platform/http/formats.ts';
import { PageQuery, Paginated, pageOf, paginated } from '../../platform/http/pagination.ts';
import { actorOf } from '../auth/actor.ts';
import { requirePermission } from '../auth/authorize.ts';
import type { Delivery, Subscription } from './webhooks.repository.ts';
import { WEBHOOK_EVENTS } from './webhooks.schema.ts';
import type { WebhooksService } from './webhooks.service.ts';

const Events = Type.Array(Type.Union(WEBHOOK_EVENTS.map((event) => Type.Literal(event))), {
  minItems: 1,
  maxItems: WEBHOOK_EVENTS.length,
});
const SubscriptionOut = Type.Object(
  {
    uuid: Type.String(),
    url: Type.String(),
    events: Type.Array(Type.String()),
    is_active: Type.Boolean(),
    created: Type.String(),
    modified: Type.String(),
    secret: Type.Optional(Type.String({ description: 'Only in the answer that creates the subscription' })),
  },
  { $id: 'WebhookSubscription' },
);
const DeliveryOut = Type.Object(
  {
    uuid: Type.String(),
    event: Type.String(),
    status: Type.String(),
    attempts: Type.Integer(),
    last_status_code: Type.Union([Type.Integer(), Type.Null()]),
    last_error: Type.Union([Type.String(), Type.Null()]),
    created: Type.String(),
    delivered: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'WebhookDelivery' },
);
const UuidParams = Type.Object({ uuid: Type.String({ maxLength: 64 }) });
const Url = Type.String({ minLength: 1, maxLength: 2048 });

const toSubscriptionOut = (row: Subscription) => ({
  uuid: row.uuid,
  url: row.url,
  events: row.events,
  is_active: row.isActive,
  created: drfDate(row.createdAt),
  modified: drfDate(row.updatedAt),
});
const toDeliveryOut = (row: Delivery) => ({
  uuid: row.uuid,
  event: row.event,
  status: row.status,
  attempts: row.attempts,
  last_status_code: row.lastStatusCode,
  last_error: row.lastError,
  created: drfDate(row.createdAt),
  delivered: row.deliveredAt ? drfDate(row.deliveredAt) : null,
});

/** `/api/v2/webhooks/`: subscriptions to this site's events, their delivery log, and replays. */
export function webhooksRoutes(webhooks: WebhooksService): FastifyPluginAsyncTypebox {
  return async (app) => {
    const read = { preValidation: requirePermission('config:read') };
    const write = { preValidation: requirePermission('config:write') };
    const pageQuery = Type.Object(PageQuery.properties, { additionalProperties: false });

    app.get(
      '/api/v2/webhooks/',
      {
        ...read,
        schema: {
          tags: ['webhooks'],
          summary: 'Webhook subscriptions',
          querystring: pageQuery,
          response: { 200: Paginated(SubscriptionOut) },
        },
      },
      async (request) => {
        const page = pageOf(request.query);
        const { count, rows } = await webhooks.listSubscriptions(request.site, page);
        return paginated(request, page, count, rows.map(toSubscriptionOut));
      },
    );

    app.post(
      '/api/v2/webhooks/',
      {
        ...write,
        schema: {
          tags: ['webhooks'],
          summary: "Subscribe a URL to this site's events; the signing secret is shown once",
          body: Type.Object(
            {
              url: Url,
              events: Events,
              secret: Type.Optional(Type.String({ minLength: 16, maxLength: 255 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: SubscriptionOut },
        },
      },
      async (request, reply) => {
        const created = await webhooks.subscribe(request.site, request.body, actorOf(request));
        return reply.status(201).send({ ...toSubscriptionOut(created), secret: created.secret });
      },
    );

    app.get(
      '/api/v2/webhooks/:uuid/',
      {
        ...read,
        schema: {
          tags: ['webhooks'],
          summary: 'A subscription',
          params: UuidParams,
          response: { 200: SubscriptionOut },
        },
      },
      async (request) => toSubscriptionOut(await webhooks.subscription(request.site, request.params.uuid)),
    );

    app.patch(
      '/api/v2/webhooks/:uuid/',
      {
        ...write,
        schema: {
          tags: ['webhooks'],
          summary: 'Change a subscription',
          params: UuidParams,
          body: Type.Object(
            {
              url: Type.Optional(Url),
              events: Type.Optional(Events),
              is_active: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          response: { 200: SubscriptionOut },
        },
      },
      async (request) => {
        const { url, events, is_active: isActive } = request.body;
        return toSubscriptionOut(
          await webhooks.update(
            request.site,
            request.params.uuid,
            { url, events, isActive },
            actorOf(request),
          ),
        );
      },
    );

    app.delete(
      '/api/v2/webhooks/:uuid/',
      { ...write, schema: { tags: ['webhooks'], summary: 'Remove a subscription', params: UuidParams } },
      async (request, reply) => {
        await webhooks.unsubscribe(request.site, request.params.uuid, actorOf(request));
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/v2/webhooks/:uuid/deliveries/',
      {
        ...read,
        schema: {
          tags: ['webhooks'],
          summary: "A subscription's deliveries, newest first",
          params: UuidParams,
          querystring: pageQuery,
          response: { 200: Paginated(DeliveryOut) },
        },
      },
      async (request) => {
        const page = pageOf(request.query);
        const { count, rows } = await webhooks.deliveries(request.site, request.params.uuid, page);
        return paginated(request, page, count, rows.map(toDeliveryOut));
      },
    );

    app.post(
      '/api/v2/webhooks/deliveries/:uuid/replay/',
      {
        ...write,
        schema: {
          tags: ['webhooks'],
          summary: 'Send a delivery again',
          params: UuidParams,
          response: { 202: DeliveryOut },
        },
      },
      async (request, reply) =>
        reply
          .status(202)
          .send(toDeliveryOut(await webhooks.replay(request.site, request.params.uuid, actorOf(request)))),
    );
  };
}
