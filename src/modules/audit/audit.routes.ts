import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { drfDate } from '../../platform/http/formats.ts';
import { PageQuery, Paginated, pageOf, paginated } from '../../platform/http/pagination.ts';
import { requirePermission } from '../auth/authorize.ts';
import type { AuditService } from './audit.service.ts';

const AuditEntry = Type.Object(
  {
    id: Type.Integer(),
    created: Type.String({ format: 'date-time' }),
    actor: Type.String(),
    source: Type.String(),
    action: Type.String(),
    target_type: Type.String(),
    target_id: Type.String(),
    changes: Type.Record(Type.String(), Type.Unknown()),
    request_id: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'AuditEntry' },
);

export function auditRoutes(audit: AuditService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/v2/audit/',
      {
        preValidation: requirePermission('audit:read'),
        schema: {
          tags: ['audit'],
          summary: "This site's audit log, newest first",
          querystring: Type.Intersect([
            PageQuery,
            Type.Object({
              action: Type.Optional(Type.String({ maxLength: 64 })),
              target_type: Type.Optional(Type.String({ maxLength: 64 })),
              target_id: Type.Optional(Type.String({ maxLength: 64 })),
            }),
          ]),
          response: { 200: Paginated(AuditEntry) },
        },
      },
      async (request) => {
        const page = pageOf(request.query);
        const { count, rows } = await audit.list(
          {
            siteId: request.site.id,
            action: request.query.action,
            targetType: request.query.target_type,
            targetId: request.query.target_id,
          },
          page,
        );
        return paginated(
          request,
          page,
          count,
          rows.map(({ entry, actorUsername }) => ({
            id: entry.id,
            created: drfDate(entry.createdAt),
            actor: actorUsername ?? entry.actorLabel,
            source: entry.source,
            action: entry.action,
            target_type: entry.targetType,
            target_id: entry.targetId,
            changes: entry.changes as Record<string, unknown>,
            request_id: entry.requestId,
          })),
        );
      },
    );
  };
}
