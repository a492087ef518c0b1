import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Database } from '../db/database.ts';
import type { Metrics } from '../metrics.ts';

const Status = Type.Union([Type.Literal('OK'), Type.Literal('UNAVAILABLE')]);
const Health = Type.Object({
  overall_status: Status,
  detailed_status: Type.Object({ database_status: Status }),
});

/** `/health/` in the Open edX shape, and Prometheus metrics; both answer on any host. */
export function operationalRoutes(database: Database, metrics: Metrics): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/health/',
      {
        config: { siteless: true },
        schema: {
          tags: ['operations'],
          summary: 'Whether the service and its database answer',
          response: { 200: Health, 503: Health },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        try {
          await database.ping();
          return { overall_status: 'OK' as const, detailed_status: { database_status: 'OK' as const } };
        } catch (error) {
          request.log.warn({ err: error }, 'health check: database unavailable');
          return reply.status(503).send({
            overall_status: 'UNAVAILABLE' as const,
            detailed_status: { database_status: 'UNAVAILABLE' as const },
          });
        }
      },
    );

    app.get('/metrics', { config: { siteless: true }, schema: { hide: true } }, async (_request, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  };
}
