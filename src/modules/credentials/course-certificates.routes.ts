import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { drfDate } from '../../platform/http/formats.ts';
import { actorOf } from '../auth/actor.ts';
import { requirePermission } from '../auth/authorize.ts';
import type { Idempotency } from '../auth/idempotency.ts';
import type { Site } from '../sites/sites.service.ts';
import type {
  CourseCertificateChange,
  CourseCertificatesService,
  CourseMode,
} from './course-certificates.service.ts';
import type { CredentialConfig } from './credentials.repository.ts';
import { COURSE_MODES } from './credentials.schema.ts';

const Mode = Type.Union(COURSE_MODES.map((mode) => Type.Literal(mode)));
const AvailableDate = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

const CourseCertificateOut = Type.Object(
  {
    id: Type.Integer(),
    site: Type.Integer(),
    course_id: Type.String(),
    course_run: Type.Union([Type.String(), Type.Null()]),
    certificate_type: Type.String(),
    certificate_available_date: Type.Union([Type.String(), Type.Null()]),
    is_active: Type.Boolean(),
  },
  { $id: 'CourseCertificate' },
);
const Changes = {
  certificate_available_date: Type.Optional(AvailableDate),
  is_active: Type.Optional(Type.Boolean()),
};
const CourseIdParams = Type.Object({ course_id: Type.String({ minLength: 1, maxLength: 255 }) });
const ModeQuery = Type.Object({ certificate_type: Type.Optional(Mode) }, { additionalProperties: false });

const changeOf = (body: {
  certificate_available_date?: string | null;
  is_active?: boolean;
}): CourseCertificateChange => ({
  certificateAvailableDate:
    body.certificate_available_date === undefined
      ? undefined
      : body.certificate_available_date === null
        ? null
        : new Date(body.certificate_available_date),
  isActive: body.is_active,
});

const toOut = (site: Site, config: CredentialConfig, linked: boolean) => ({
  id: config.id,
  site: site.id,
  course_id: config.courseRunKey ?? '',
  course_run: linked ? config.courseRunKey : null,
  certificate_type: config.mode ?? '',
  certificate_available_date: config.certificateAvailableDate
    ? drfDate(config.certificateAvailableDate)
    : null,
  is_active: config.isActive,
});

/** `/api/v2/course_certificates/`: how the LMS tells Laurel about a course run's certificate. */
export function courseCertificatesRoutes(
  service: CourseCertificatesService,
  idempotent: Idempotency,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/v2/course_certificates/',
      {
        ...idempotent,
        preValidation: requirePermission('course-certificates:write'),
        schema: {
          tags: ['credentials'],
          summary: 'Update or create the certificate configuration of a course run and mode (201)',
          body: Type.Object(
            { course_id: Type.String({ minLength: 1, maxLength: 255 }), certificate_type: Mode, ...Changes },
            { additionalProperties: false },
          ),
          response: { 201: CourseCertificateOut },
        },
      },
      async (request, reply) => {
        const { course_id: courseId, certificate_type: mode } = request.body;
        const { config, linked } = await service.upsert(
          request.site,
          courseId,
          mode as CourseMode,
          changeOf(request.body),
          actorOf(request),
        );
        return reply.status(201).send(toOut(request.site, config, linked));
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
      async (request) => {
        const config = await service.get(
          request.site,
          request.params.course_id,
          request.query.certificate_type,
        );
        return toOut(request.site, config, config.courseRunId !== null);
      },
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
          const { config, linked } = await service.update(
            request.site,
            courseId,
            mode,
            changeOf(request.body as object),
            actorOf(request),
          );
          return toOut(request.site, config, linked);
        },
      });
    }
  };
}
