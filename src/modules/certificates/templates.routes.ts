import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { drfDate } from '../../platform/http/formats.ts';
import { requestOrigin } from '../../platform/http/origin.ts';
import { PageQuery, Paginated, pageOf, paginated } from '../../platform/http/pagination.ts';
import { actorOf } from '../auth/actor.ts';
import { requirePermission } from '../auth/authorize.ts';
import { EXAMPLE_PROGRAM_TYPES, type ExampleProgramType } from './certificate-examples.ts';
import { CERTIFICATE_LANGUAGES } from './certificate-messages.ts';
import { TEMPLATE_SCOPES } from './certificates.schema.ts';
import { TEMPLATE_PARTS } from './template-resolution.ts';
import type { TemplateRow, TemplateVersionRow } from './templates.repository.ts';
import type { TemplatesService } from './templates.service.ts';

/** A template body may be this long: generous for a page, far from what would strain the parser. */
const MAX_BODY_LENGTH = 256 * 1024;

const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((value) => Type.Literal(value)));
const Part = literals(TEMPLATE_PARTS);
const Scope = literals(TEMPLATE_SCOPES);
const Body = Type.String({ minLength: 1, maxLength: MAX_BODY_LENGTH });
const Name = Type.String({ maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });
const UuidParams = Type.Object({ uuid: Type.String({ maxLength: 64 }) });

const TemplateOut = Type.Object(
  {
    uuid: Type.String(),
    part: Type.String(),
    scope: Type.String(),
    scope_key: Type.String(),
    name: Type.String(),
    version: Type.Integer(),
    created: Type.String(),
    modified: Type.String(),
  },
  { $id: 'Template' },
);
const TemplateWithBody = Type.Object(
  { ...TemplateOut.properties, body: Type.String() },
  { $id: 'TemplateWithBody' },
);
const VersionOut = Type.Object(
  { version: Type.Integer(), body: Type.String(), created: Type.String() },
  { $id: 'TemplateVersion' },
);

const templateOut = (template: TemplateRow) => ({
  uuid: template.uuid,
  part: template.part,
  scope: template.scope,
  scope_key: template.scopeKey,
  name: template.name,
  version: template.currentVersion,
  created: drfDate(template.createdAt),
  modified: drfDate(template.updatedAt),
});
const withBody = ({ template, body }: { template: TemplateRow; body: string }) => ({
  ...templateOut(template),
  body,
});
const versionOut = (version: TemplateVersionRow) => ({
  version: version.version,
  body: version.body,
  created: drfDate(version.createdAt),
});

/** Certificate templates of the site (`/api/v2/templates/`): CRUD, version history, restore, preview. */
export function templatesRoutes(service: TemplatesService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/v2/templates/',
      {
        preValidation: requirePermission('config:read'),
        schema: {
          tags: ['certificates'],
          summary: 'Certificate templates of this site',
          querystring: Type.Object(
            { ...PageQuery.properties, part: Type.Optional(Part), scope: Type.Optional(Scope) },
            { additionalProperties: false },
          ),
          response: { 200: Paginated(TemplateOut) },
        },
      },
      async (request) => {
        const page = pageOf(request.query);
        const { part, scope } = request.query;
        const { count, rows } = await service.list(request.site, { part, scope }, page);
        return paginated(request, page, count, rows.map(templateOut));
      },
    );

    app.post(
      '/api/v2/templates/',
      {
        preValidation: requirePermission('config:write'),
        schema: {
          tags: ['certificates'],
          summary: 'Store a template for a part in a scope (validated by rendering sample certificates)',
          body: Type.Object(
            {
              part: Part,
              scope: Scope,
              scope_key: Type.Optional(
                Type.String({ maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]*$' }),
              ),
              name: Type.Optional(Name),
              body: Body,
            },
            { additionalProperties: false },
          ),
          response: { 201: TemplateWithBody },
        },
      },
      async (request, reply) => {
        const { part, scope, scope_key: scopeKey = '', name = '', body } = request.body;
        const created = await service.create(
          request.site,
          { part, scope, scopeKey, name, body },
          actorOf(request),
        );
        return reply.status(201).send(withBody(created));
      },
    );

    app.post(
      '/api/v2/templates/preview/',
      {
        preValidation: requirePermission('config:read'),
        config: { changesNothing: true },
        schema: {
          tags: ['certificates'],
          summary:
            'Render a certificate with a draft or stored template, for a real credential or sample data',
          body: Type.Object(
            {
              part: Type.Optional(Part),
              body: Type.Optional(Body),
              template: Type.Optional(Type.String({ maxLength: 64 })),
              credential: Type.Optional(Type.String({ maxLength: 64 })),
              kind: Type.Optional(literals(['program', 'course-run'] as const)),
              program_type: Type.Optional(
                literals(Object.keys(EXAMPLE_PROGRAM_TYPES) as ExampleProgramType[]),
              ),
              language: Type.Optional(literals(CERTIFICATE_LANGUAGES)),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const { part = 'certificate', program_type: programType, ...rest } = request.body;
        const html = await service.preview(
          request.site,
          { ...rest, part, programType },
          requestOrigin(request),
        );
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
      },
    );

    app.get(
      '/api/v2/templates/:uuid/',
      {
        preValidation: requirePermission('config:read'),
        schema: {
          tags: ['certificates'],
          summary: 'One template with its current body',
          params: UuidParams,
          response: { 200: TemplateWithBody },
        },
      },
      async (request) => withBody(await service.get(request.site, request.params.uuid)),
    );

    app.patch(
      '/api/v2/templates/:uuid/',
      {
        preValidation: requirePermission('config:write'),
        schema: {
          tags: ['certificates'],
          summary: 'Rename a template or save a new version of its body',
          params: UuidParams,
          body: Type.Object(
            { name: Type.Optional(Name), body: Type.Optional(Body) },
            { additionalProperties: false },
          ),
          response: { 200: TemplateWithBody },
        },
      },
      async (request) =>
        withBody(await service.update(request.site, request.params.uuid, request.body, actorOf(request))),
    );

    app.delete(
      '/api/v2/templates/:uuid/',
      {
        preValidation: requirePermission('config:write'),
        schema: { tags: ['certificates'], summary: 'Delete a template and its history', params: UuidParams },
      },
      async (request, reply) => {
        await service.delete(request.site, request.params.uuid, actorOf(request));
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/v2/templates/:uuid/versions/',
      {
        preValidation: requirePermission('config:read'),
        schema: {
          tags: ['certificates'],
          summary: "A template's saved versions, newest first",
          params: UuidParams,
          querystring: Type.Object(PageQuery.properties, { additionalProperties: false }),
          response: { 200: Paginated(VersionOut) },
        },
      },
      async (request) => {
        const page = pageOf(request.query);
        const { count, rows } = await service.versions(request.site, request.params.uuid, page);
        return paginated(request, page, count, rows.map(versionOut));
      },
    );

    app.post(
      '/api/v2/templates/:uuid/versions/:version/restore/',
      {
        preValidation: requirePermission('config:write'),
        schema: {
          tags: ['certificates'],
          summary: 'Make an earlier version current again (saved as a new version)',
          params: Type.Object({
            uuid: Type.String({ maxLength: 64 }),
            version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
          }),
          response: { 200: TemplateWithBody },
        },
      },
      async (request) =>
        withBody(
          await service.restore(request.site, request.params.uuid, request.params.version, actorOf(request)),
        ),
    );
  };
}
