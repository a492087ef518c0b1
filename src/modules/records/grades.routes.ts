import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { dateField, drfDate } from '../../platform/http/formats.ts';
import { Nullable } from '../../platform/http/nullable.ts';
import { actorOf } from '../auth/actor.ts';
import { requirePermission } from '../auth/authorize.ts';
import { GRADES_THROTTLE } from '../auth/throttle.ts';
import type { GradeRow } from './grades.repository.ts';
import type { GradeInput, GradesService } from './grades.service.ts';

const GradeOut = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    course_run: Type.String(),
    letter_grade: Type.String(),
    percent_grade: Type.String({ description: 'Four decimals, as a string: "0.9500"' }),
    verified: Type.Boolean(),
    lms_last_updated_at: Type.Union([Type.String(), Type.Null()]),
    created: Type.String(),
    modified: Type.String(),
  },
  { $id: 'Grade' },
);

const fields = {
  letter_grade: Nullable(Type.String({ maxLength: 255 })),
  percent_grade: Type.Number({ minimum: 0, maximum: 1 }),
  verified: Type.Boolean(),
  lms_last_updated_at: Nullable(Type.String({ format: 'date-time' })),
};
const GradeBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 150 }),
    course_run: Type.String({ minLength: 1, maxLength: 255 }),
    letter_grade: Type.Optional(fields.letter_grade),
    percent_grade: fields.percent_grade,
    verified: Type.Optional(fields.verified),
    lms_last_updated_at: Type.Optional(fields.lms_last_updated_at),
  },
  { additionalProperties: false },
);
const GradePatch = Type.Object(
  {
    letter_grade: Type.Optional(fields.letter_grade),
    percent_grade: Type.Optional(fields.percent_grade),
    verified: Type.Optional(fields.verified),
    lms_last_updated_at: Type.Optional(fields.lms_last_updated_at),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

type GradeFields = {
  letter_grade?: string | null;
  percent_grade?: number;
  verified?: boolean;
  lms_last_updated_at?: string | null;
};

const inputOf = (body: GradeFields): GradeInput => ({
  letterGrade: body.letter_grade,
  percentGrade: body.percent_grade,
  verified: body.verified,
  lmsLastUpdatedAt:
    body.lms_last_updated_at === undefined
      ? undefined
      : body.lms_last_updated_at === null
        ? null
        : dateField('lms_last_updated_at', body.lms_last_updated_at),
});

const toGradeOut = ({ grade, username, courseRunKey }: GradeRow) => ({
  id: grade.id,
  username,
  course_run: courseRunKey,
  letter_grade: grade.letterGrade,
  percent_grade: Number(grade.percentGrade).toFixed(4),
  verified: grade.verified,
  lms_last_updated_at: grade.lmsLastUpdatedAt ? drfDate(grade.lmsLastUpdatedAt) : null,
  created: drfDate(grade.createdAt),
  modified: drfDate(grade.updatedAt),
});

/** The Open edX grade endpoints: POST upserts by (username, course run); PUT/PATCH by id. */
export function gradesRoutes(grades: GradesService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/v2/grades/',
      {
        preValidation: requirePermission('grades:write'),
        config: GRADES_THROTTLE,
        schema: {
          tags: ['grades'],
          summary: "Record a learner's grade in a course run (update or create; 201)",
          body: GradeBody,
          response: { 201: GradeOut },
        },
      },
      async (request, reply) => {
        const { username, course_run: courseRun, ...rest } = request.body;
        const row = await grades.upsert(request.site, username, courseRun, inputOf(rest), actorOf(request));
        return reply.status(201).send(toGradeOut(row));
      },
    );

    for (const method of ['PUT', 'PATCH'] as const) {
      app.route({
        method,
        url: '/api/v2/grades/:id/',
        preValidation: requirePermission('grades:write'),
        config: GRADES_THROTTLE,
        schema: {
          tags: ['grades'],
          summary: 'Change a grade',
          params: IdParams,
          body: method === 'PUT' ? Type.Required(GradePatch, { additionalProperties: false }) : GradePatch,
          response: { 200: GradeOut },
        },
        handler: async (request) => {
          const { id } = request.params as { id: number };
          return toGradeOut(
            await grades.update(request.site, id, inputOf(request.body as GradeFields), actorOf(request)),
          );
        },
      });
    }
  };
}
