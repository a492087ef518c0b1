import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { ValidationError } from '../../platform/errors.ts';
import { itemError } from '../../platform/http/bulk-items.ts';
import { bodyItemValidator } from '../../platform/http/validators.ts';
import { drfDate } from '../../platform/http/formats.ts';
import { parseUuid } from '../../platform/ids.ts';
import { requirePermission } from '../auth/authorize.ts';
import { LMS_USER_ID_MAX } from '../users/users.schema.ts';
import type { CredentialsService } from './credentials.service.ts';

const Query = Type.Object(
  {
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 150 })),
    lms_user_id: Type.Optional(Type.Integer({ minimum: 1, maximum: LMS_USER_ID_MAX })),
    courses: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 500 })),
    course_runs: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 500 })),
  },
  { additionalProperties: false },
);
type StatusQuery = { username?: string; lms_user_id?: number; courses?: string[]; course_runs?: string[] };
/** Bulk queries are checked one by one, so that a malformed one is answered in its place. */
const queryValidator = bodyItemValidator(Query);

const StatusOut = Type.Object({
  lms_user_id: Type.Union([Type.Integer(), Type.Null()]),
  username: Type.String(),
  status: Type.Array(
    Type.Object({
      course_uuid: Type.String(),
      course_run: Type.Object({ uuid: Type.String(), key: Type.String() }),
      status: Type.String(),
      type: Type.String(),
      certificate_available_date: Type.Union([Type.String(), Type.Null()]),
      grade: Type.Union([
        Type.Object({ letter_grade: Type.String(), percent_grade: Type.String(), verified: Type.Boolean() }),
        Type.Null(),
      ]),
    }),
  ),
});

/** What is wrong with one query, as DRF would report it; null when it is fine. */
function problems(query: StatusQuery): ValidationError['fields'] | null {
  if ((query.username === undefined) === (query.lms_user_id === undefined)) {
    return { non_field_errors: ['Give exactly one of username and lms_user_id.'] };
  }
  const bad = (query.courses ?? []).filter((course) => !parseUuid(course));
  return bad.length > 0 ? { courses: [`Not course UUIDs: ${bad.join(', ')}.`] } : null;
}

/**
 * The learner certificate status API (Open edX ADR 0007): which of some courses and runs a learner has
 * earned a certificate in, with grades. The bulk form answers every valid query and reports the
 * invalid ones in place, where Open edX fails the whole request.
 */
export function learnerStatusRoutes(credentials: CredentialsService): FastifyPluginAsyncTypebox {
  async function answer(request: FastifyRequest, query: StatusQuery) {
    const courseUuids = (query.courses ?? []).map((course) => parseUuid(course) ?? course);
    const { user, status } = await credentials.learnerStatus(
      request.site,
      { username: query.username, lmsUserId: query.lms_user_id },
      courseUuids,
      query.course_runs ?? [],
    );
    return {
      lms_user_id: user?.lmsUserId ?? query.lms_user_id ?? null,
      username: user?.username ?? query.username ?? '',
      status: status.map((row) => ({
        course_uuid: row.courseUuid,
        course_run: { uuid: row.runUuid, key: row.runKey },
        status: row.status,
        type: row.mode ?? '',
        certificate_available_date: row.availableDate ? drfDate(row.availableDate) : null,
        grade:
          row.percentGrade === null
            ? null
            : {
                letter_grade: row.letterGrade ?? '',
                percent_grade: Number(row.percentGrade).toFixed(4),
                verified: row.verified ?? true,
              },
      })),
    };
  }

  return async (app) => {
    app.post(
      '/api/credentials/v1/learner_cert_status/',
      {
        preValidation: requirePermission('learner-status:read'),
        config: { changesNothing: true },
        schema: {
          tags: ['credentials'],
          summary: "A learner's earned course certificates, with grades",
          body: Query,
          response: { 200: StatusOut },
        },
      },
      async (request) => {
        const wrong = problems(request.body);
        if (wrong) throw new ValidationError(wrong);
        return answer(request, request.body);
      },
    );

    app.post(
      '/api/credentials/v1/bulk_learner_cert_status/',
      {
        preValidation: requirePermission('learner-status:read'),
        config: { checksOwnText: true, changesNothing: true },
        schema: {
          tags: ['credentials'],
          summary:
            'The same for several learners; an invalid query is answered with its errors, the others normally',
          body: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 100 }),
          response: {
            200: Type.Array(
              Type.Union([StatusOut, Type.Object({ errors: Type.Record(Type.String(), Type.Unknown()) })]),
            ),
          },
        },
      },
      async (request) => {
        const results = [];
        for (const query of request.body) {
          const wrong = itemError(queryValidator, query)?.fields ?? problems(query as StatusQuery);
          results.push(wrong ? { errors: wrong } : await answer(request, query as StatusQuery));
        }
        return results;
      },
    );
  };
}
