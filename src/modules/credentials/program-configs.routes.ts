import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { drfDate } from '../../platform/http/formats.ts';
import { Nullable } from '../../platform/http/nullable.ts';
import { PageQuery, Paginated, pageOf, paginated } from '../../platform/http/pagination.ts';
import { actorOf } from '../auth/actor.ts';
import { requirePermission } from '../auth/authorize.ts';
import { assetPath } from '../certificates/asset-path.ts';
import {
  type PresentationBody,
  PresentationFields,
  PresentationOut,
  presentationOf,
  presentationOut,
} from './config-fields.ts';
import type { ProgramConfigRow, Signatory } from './program-configs.repository.ts';
import type { ProgramConfigInput, ProgramConfigsService } from './program-configs.service.ts';

const ConfigFields = { is_active: Type.Optional(Type.Boolean()), ...PresentationFields };
const { uuid: ConfigUuid, ...Presentation } = PresentationOut;
const ProgramCertificate = Type.Object(
  {
    uuid: ConfigUuid,
    program_uuid: Type.String(),
    program_title: Type.String(),
    is_active: Type.Boolean(),
    ...Presentation,
  },
  { $id: 'ProgramCertificate' },
);
const SignatoryFields = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  title: Type.String({ maxLength: 255 }),
  organization_name_override: Nullable(Type.String({ maxLength: 255 })),
  image: Nullable(Type.String({ maxLength: 64 })),
};
const SignatoryOut = Type.Object(
  {
    uuid: Type.String(),
    name: Type.String(),
    title: Type.String(),
    organization_name_override: Type.Union([Type.String(), Type.Null()]),
    image: Type.Union([Type.String(), Type.Null()]),
    image_url: Type.Union([Type.String(), Type.Null()]),
    created: Type.String(),
    modified: Type.String(),
  },
  { $id: 'Signatory' },
);
const UuidParams = Type.Object({ uuid: Type.String({ maxLength: 64 }) });

const inputOf = (body: PresentationBody & { is_active?: boolean }): ProgramConfigInput => ({
  isActive: body.is_active,
  ...presentationOf(body),
});
const toSignatoryOut = (signatory: Signatory) => ({
  uuid: signatory.uuid,
  name: signatory.name,
  title: signatory.title,
  organization_name_override: signatory.organizationNameOverride,
  image: signatory.image?.uuid ?? null,
  image_url: signatory.image ? assetPath(signatory.image.sha256) : null,
  created: drfDate(signatory.createdAt),
  modified: drfDate(signatory.updatedAt),
});

/** Program certificate configurations (`/api/v2/program_certificates/`) and signatories (`/api/v2/signatories/`). */
export function programConfigsRoutes(service: ProgramConfigsService): FastifyPluginAsyncTypebox {
  async function represent(rows: ProgramConfigRow[]) {
    const signatories = await service.signatoriesOf(rows.map((row) => row.config.id));
    return rows.map(({ config, programUuid, programTitle }) => ({
      program_uuid: programUuid,
      program_title: programTitle,
      is_active: config.isActive,
      ...presentationOut(config, signatories.get(config.id)),
    }));
  }
  const one = async (row: ProgramConfigRow) => {
    const [shown] = await represent([row]);
    if (!shown) throw new Error('a configuration could not be represented');
    return shown;
  };

  return async (app) => {
    app.get(
      '/api/v2/program_certificates/',
      {
        preValidation: requirePermission('config:read'),
        schema: {
          tags: ['configuration'],
          summary: 'Program certificate configurations of this site',
          querystring: Type.Object(PageQuery.properties, { additionalProperties: false }),
          response: { 200: Paginated(ProgramCertificate) },
        },
      },
      async (request) => {
        const page = pageOf(request.query);
        const { count, rows } = await service.listConfigs(request.site, page);
        return paginated(request, page, count, await represent(rows));
      },
    );

    app.post(
      '/api/v2/program_certificates/',
      {
        preValidation: requirePermission('config:write'),
        schema: {
          tags: ['configuration'],
          summary: 'Configure the certificate of a program',
          body: Type.Object(
            { program_uuid: Type.String({ maxLength: 64 }), ...ConfigFields },
            { additionalProperties: false },
          ),
          response: { 201: ProgramCertificate },
        },
      },
      async (request, reply) => {
        const row = await service.createConfig(
          request.site,
          request.body.program_uuid,
          inputOf(request.body),
          actorOf(request),
        );
        return reply.status(201).send(await one(row));
      },
    );

    app.get(
      '/api/v2/program_certificates/:uuid/',
      {
        preValidation: requirePermission('config:read'),
        schema: {
          tags: ['configuration'],
          summary: 'One program certificate configuration',
          params: UuidParams,
          response: { 200: ProgramCertificate },
        },
      },
      async (request) => one(await service.getConfig(request.site, request.params.uuid)),
    );

    app.patch(
      '/api/v2/program_certificates/:uuid/',
      {
        preValidation: requirePermission('config:write'),
        schema: {
          tags: ['configuration'],
          summary: 'Change a program certificate configuration',
          params: UuidParams,
          body: Type.Object(ConfigFields, { additionalProperties: false }),
          response: { 200: ProgramCertificate },
        },
      },
      async (request) =>
        one(
          await service.updateConfig(
            request.site,
            request.params.uuid,
            inputOf(request.body),
            actorOf(request),
          ),
        ),
    );

    app.delete(
      '/api/v2/program_certificates/:uuid/',
      {
        preValidation: requirePermission('config:write'),
        schema: {
          tags: ['configuration'],
          summary: 'Delete a configuration no credential uses (409 otherwise)',
          params: UuidParams,
        },
      },
      async (request, reply) => {
        await service.deleteConfig(request.site, request.params.uuid, actorOf(request));
        return reply.status(204).send();
      },
    );

    app.get(
      '/api/v2/signatories/',
      {
        preValidation: requirePermission('config:read'),
        schema: {
          tags: ['configuration'],
          summary: 'Signatories of this site',
          querystring: Type.Object(PageQuery.properties, { additionalProperties: false }),
          response: { 200: Paginated(SignatoryOut) },
        },
      },
      async (request) => {
        const page = pageOf(request.query);
        const { count, rows } = await service.listSignatories(request.site, page);
        return paginated(request, page, count, rows.map(toSignatoryOut));
      },
    );

    app.post(
      '/api/v2/signatories/',
      {
        preValidation: requirePermission('config:write'),
        schema: {
          tags: ['configuration'],
          summary: 'Add a signatory',
          body: Type.Object(
            {
              name: SignatoryFields.name,
              title: Type.Optional(SignatoryFields.title),
              organization_name_override: Type.Optional(SignatoryFields.organization_name_override),
              image: Type.Optional(SignatoryFields.image),
            },
            { additionalProperties: false },
          ),
          response: { 201: SignatoryOut },
        },
      },
      async (request, reply) => {
        const { name, title, organization_name_override: override, image } = request.body;
        const signatory = await service.createSignatory(
          request.site,
          { name, title, organizationNameOverride: override, image },
          actorOf(request),
        );
        return reply.status(201).send(toSignatoryOut(signatory));
      },
    );

    app.get(
      '/api/v2/signatories/:uuid/',
      {
        preValidation: requirePermission('config:read'),
        schema: {
          tags: ['configuration'],
          summary: 'One signatory',
          params: UuidParams,
          response: { 200: SignatoryOut },
        },
      },
      async (request) => toSignatoryOut(await service.getSignatory(request.site, request.params.uuid)),
    );

    app.patch(
      '/api/v2/signatories/:uuid/',
      {
        preValidation: requirePermission('config:write'),
        schema: {
          tags: ['configuration'],
          summary: 'Change a signatory',
          params: UuidParams,
          body: Type.Object(
            {
              name: Type.Optional(SignatoryFields.name),
              title: Type.Optional(SignatoryFields.title),
              organization_name_override: Type.Optional(SignatoryFields.organization_name_override),
              image: Type.Optional(SignatoryFields.image),
            },
            { additionalProperties: false },
          ),
          response: { 200: SignatoryOut },
        },
      },
      async (request) => {
        const { name, title, organization_name_override: override, image } = request.body;
        const changes = {
          ...(name !== undefined && { name }),
          ...(title !== undefined && { title }),
          ...(override !== undefined && { organizationNameOverride: override }),
          ...(image !== undefined && { image }),
        };
        return toSignatoryOut(
          await service.updateSignatory(request.site, request.params.uuid, changes, actorOf(request)),
        );
      },
    );

    app.delete(
      '/api/v2/signatories/:uuid/',
      {
        preValidation: requirePermission('config:write'),
        schema: {
          tags: ['configuration'],
          summary: 'Delete a signatory no configuration shows (409 otherwise)',
          params: UuidParams,
        },
      },
      async (request, reply) => {
        await service.deleteSignatory(request.site, request.params.uuid, actorOf(request));
        return reply.status(204).send();
      },
    );
  };
}
