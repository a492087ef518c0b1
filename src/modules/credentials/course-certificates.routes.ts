import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { dateField, drfDate } from '../../platform/http/formats.ts';
import { Nullable } from '../../platform/http/nullable.ts';
import { PageQuery, Paginated, pageOf, paginated } from '../../platform/http/pagination.ts';
import { actorOf } from '../auth/actor.ts';
import { requirePermission } from '../auth/authorize.ts';
import type { Site } from '../sites/sites.service.ts';
import {
  PLAIN_TEXT,
  type PresentationBody,
  PresentationFields,
  PresentationOut,
  presentationOf,
  presentationOut,
} from './config-fields.ts';
import type {
  CourseCertificateChange,
  CourseCertificatesService,
  CourseMode,
} from './course-certificates.service.ts';
import type { CredentialConfig } from './credentials.repository.ts';
import { COURSE_MODES } from './credentials.schema.ts';

const Mode = Type.Union(COURSE_MODES.map((mode) => Type.Literal(mode)));
const CourseId = Type.String({ minLength: 1, maxLength: 255, pattern: PLAIN_TEXT });
const AvailableDate = Nullable(Type.String({ format: 'date-time' }));

/** The Open edX fields first, then what Laurel adds. */
const CourseCertificateOut = Type.Object(
  {
    id: Type.Integer(),
    site: Type.Integer(),
    course_id: Type.String(),
    course_run: Type.Union([Type.String(), Type.Null()]),
    certificate_type: Type.String(),
    certificate_available_date: Type.Union([Type.String(), Type.Null()]),
    is_active: Type.Boolean(),
    ...PresentationOut,
  },
  { $id: 'CourseCertificate' },
);
const Changes = {
  certificate_available_date: Type.Optional(AvailableDate),
  is_active: Type.Optional(Type.Boolean()),
  ...PresentationFields,
};
const CourseIdParams = Type.Object({ course_id: CourseId });
const ModeQuery = Type.Object({ certificate_type: Type.Optional(Mode) }, { additionalProperties: false });
const ListQuery = Type.Object(
  {
    ...PageQuery.properties,
    course_id: Type.Optional(CourseId),
    certificate_type: Type.Optional(Mode),
    is_active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

type ChangesBody = PresentationBody & { certificate_available_date?: string | null; is_active?: boolean };

const changeOf = (body: ChangesBody): CourseCertificateChange => ({
  certificateAvailableDate:
    body.certificate_available_date === undefined
      ? undefined
      : body.certificate_available_date === null
        ? null
        : dateField('certificate_available_date', body.certificate_available_date),
  isActive: body.is_active,
  ...presentationOf(body),
});

/** `/api/v2/course_certificates/`: how the LMS tells Laurel about a course run's certificate. */
export function courseCertificatesRoutes(service: CourseCertificatesService): FastifyPluginAsyncTypebox {
  async function represent(site: Site, configs: CredentialConfig[]) {
    const signatories = await service.signatoriesOf(configs.map((config) => config.id));
    return configs.map((config) => ({
      id: config.id,
      site: site.id,
      course_id: config.courseRunKey ?? '',
      course_run: config.courseRunId !== null ? config.courseRunKey : null,
      certificate_type: config.mode ?? '',
      certificate_available_date: config.certificateAvailableDate
        ? drfDate(config.certificateAvailableDate)
        : null,
      is_active: config.isActive,
      ...presentationOut(config, signatories.get(config.id)),
    }));
  }
  const one = async (site: Site, config: CredentialConfig) => {
    const [shown] = await represent(site, [config]);
    if (!shown) throw new Error('a configuration could not be represented');
    return shown;
  };

  return async (app) => {
    app.get(
      '/api/v2/course_certificates/',
      {
        preValidation: requirePermission('config:read'),
        schema: {
          tags: ['credentials'],
          summary: 'Course certificate configurations of this site, by course run and mode',
          querystring: ListQuery,
          response: { 200: Paginated(CourseCertificateOut) },
        },
      },
      async (request) => {
        const { query } = request;
        const page = pageOf(query);
        const { count, rows } = await service.list(
          request.site,
          { courseRunKey: query.course_id, mode: query.certificate_type, isActive: query.is_active },
          page,
        );
        return paginated(request, page, count, await represent(request.site, rows));
      },
    );

    app.post(
      '/api/v2/course_certificates/',
      {
        preValidation: requirePermission('course-certificates:write'),
        schema: {
          tags: ['credentials'],
          summary: 'Update or create the certificate configuration of a course run and mode (201)',
          body: Type.Object(
            { course_id: CourseId, certificate_type: Mode, ...Changes },
            { additionalProperties: false },
          ),
          response: { 201: CourseCertificateOut },
        },
      },
      async (request, reply) => {
        const { course_id: courseId, certificate_type: mode } = request.body;
        const config = await service.upsert(
          request.site,
          courseId,
          mode as CourseMode,
          changeOf(request.body),
          actorOf(request),
        );
        return reply.status(201).send(await one(request.site, config));
      },
    );

    app.get(
      '/api/v2/course_certificates/:course_id/',
      {
        preValidation: requirePermission('config:read'),
        schema: {
          tags: ['credentials'],
          summary: 'The certificate configuration of a course run (name the mode when it has several)',
          params: CourseIdParams,
          querystring: ModeQuery,
          response: { 200: CourseCertificateOut },
        },
      },
      async (request) =>
        one(
          request.site,
          await service.get(request.site, request.params.course_id, request.query.certificate_type),
        ),
    );

    for (const method of ['PUT', 'PATCH'] as const) {
      app.route({
        method,
        url: '/api/v2/course_certificates/:course_id/',
        preValidation: requirePermission('course-certificates:write'),
        schema: {
          tags: ['credentials'],
          summary: 'Change the certificate configuration of a course run',
          params: CourseIdParams,
          querystring: ModeQuery,
          body: Type.Object(Changes, { additionalProperties: false }),
          response: { 200: CourseCertificateOut },
        },
        handler: async (request) => {
          const { course_id: courseId } = request.params as { course_id: string };
          const { certificate_type: mode } = request.query as { certificate_type?: string };
          const config = await service.update(
            request.site,
            courseId,
            mode,
            changeOf(request.body as ChangesBody),
            actorOf(request),
          );
          return one(request.site, config);
        },
      });
    }

    app.delete(
      '/api/v2/course_certificates/:course_id/',
      {
        preValidation: requirePermission('course-certificates:write'),
        schema: {
          tags: ['credentials'],
          summary: 'Delete the certificate configuration of a course run no credential uses (409 otherwise)',
          params: CourseIdParams,
          querystring: ModeQuery,
        },
      },
      async (request, reply) => {
        await service.remove(
          request.site,
          request.params.course_id,
          request.query.certificate_type,
          actorOf(request),
        );
        return reply.status(204).send();
      },
    );
  };
}
