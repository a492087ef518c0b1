import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { ValidationError } from '../../platform/errors.ts';
import { itemError } from '../../platform/http/bulk-items.ts';
import { bodyItemValidator } from '../../platform/http/validators.ts';
import { isOutage } from '../../platform/outages.ts';
import { dateField, drfDate } from '../../platform/http/formats.ts';
import { Nullable } from '../../platform/http/nullable.ts';
import { requestOrigin } from '../../platform/http/origin.ts';
import { PageQuery, Paginated, pageOf, paginated } from '../../platform/http/pagination.ts';
import { uuidHex } from '../../platform/ids.ts';
import { actorOf } from '../auth/actor.ts';
import { authorize, requireAuthentication, requirePermission } from '../auth/authorize.ts';
import { CREDENTIALS_THROTTLE } from '../auth/throttle.ts';
import { LMS_USER_ID_MAX } from '../users/users.schema.ts';
import type { CredentialRow } from './credentials.repository.ts';
import type { CredentialStatus, CredentialsService, IssueRequest } from './credentials.service.ts';

const Status = Type.Union([Type.Literal('awarded'), Type.Literal('revoked')]);
const Attribute = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 255 }), value: Type.String({ maxLength: 255 }) },
  { additionalProperties: false },
);
const DateOverride = Type.Union([
  Type.Object({ date: Type.String({ format: 'date-time' }) }, { additionalProperties: false }),
  Type.Null(),
]);

const CredentialOut = Type.Object(
  {
    username: Type.String(),
    credential: Type.Union([
      Type.Object({
        type: Type.Literal('program'),
        credential_id: Type.Integer(),
        program_uuid: Type.String(),
      }),
      Type.Object({ type: Type.Literal('course-run'), course_run_key: Type.String(), mode: Type.String() }),
    ]),
    status: Status,
    uuid: Type.String(),
    attributes: Type.Array(Type.Object({ name: Type.String(), value: Type.String() })),
    date_override: Type.Union([Type.Object({ date: Type.String() }), Type.Null()]),
    created: Type.String(),
    modified: Type.String(),
    certificate_url: Type.String(),
  },
  { $id: 'UserCredential' },
);

const IssueBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 150 }),
    lms_user_id: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: LMS_USER_ID_MAX }))),
    credential: Type.Object(
      {
        type: Type.Optional(Type.Union([Type.Literal('program'), Type.Literal('course-run')])),
        program_uuid: Type.Optional(Type.String({ maxLength: 64 })),
        course_run_key: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        mode: Type.Optional(Type.String({ maxLength: 32 })),
      },
      { additionalProperties: false },
    ),
    status: Type.Optional(Status),
    attributes: Type.Optional(Type.Array(Attribute, { maxItems: 100 })),
    date_override: Type.Optional(DateOverride),
  },
  { additionalProperties: false },
);
type IssueFields = Static<typeof IssueBody>;
/** Bulk items are checked one by one, a thousand to a request: compiled once, not interpreted each time. */
const issueBodyValidator = bodyItemValidator(IssueBody);

/** The service's request from the Open edX body; a 400 for a date the schema let through but no store holds. */
const issueRequestOf = (body: IssueFields): IssueRequest => ({
  username: body.username,
  lmsUserId: body.lms_user_id ?? undefined,
  credential: {
    programUuid: body.credential.program_uuid,
    courseRunKey: body.credential.course_run_key,
    mode: body.credential.mode,
  },
  status: body.status ?? 'awarded',
  attributes: body.attributes ?? [],
  dateOverride: body.date_override ? dateField('date_override.date', body.date_override.date) : null,
});

/** A bulk item as the service's request, or why it is refused (as a single POST of it would be). */
function bulkItemRequest(item: unknown): IssueRequest | ValidationError {
  const refused = itemError(issueBodyValidator, item);
  if (refused) return refused;
  try {
    return issueRequestOf(item as IssueFields);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
}

const BulkResult = Type.Object({
  index: Type.Integer(),
  status: Type.Integer(),
  credential: Type.Optional(CredentialOut),
  errors: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
const BulkOut = Type.Object({
  succeeded: Type.Integer(),
  failed: Type.Integer(),
  results: Type.Array(BulkResult),
});

/** A boolean query parameter as django-filter reads it: the LMS sends `only_visible=True`. */
const TRUE_TEXTS = ['true', 'True', '1'];
const DjangoBoolean = Type.Union([...TRUE_TEXTS, 'false', 'False', '0'].map((text) => Type.Literal(text)));

const StatusBody = Type.Object({ status: Status }, { additionalProperties: false });
/** PATCH is a partial update, as in DRF: an empty body changes nothing and answers the credential. */
const StatusPatch = Type.Partial(StatusBody);
const UuidParams = Type.Object({ uuid: Type.String({ maxLength: 64 }) });

export function credentialsRoutes(credentials: CredentialsService): FastifyPluginAsyncTypebox {
  /** Rows as the Open edX API shows them, attributes included. */
  function represent(request: FastifyRequest, rows: CredentialRow[]) {
    const origin = requestOrigin(request);
    return rows.map(({ credential, username, config, programUuid, attributes }) => ({
      username,
      credential:
        config.kind === 'program'
          ? { type: 'program' as const, credential_id: config.id, program_uuid: programUuid ?? '' }
          : {
              type: 'course-run' as const,
              course_run_key: config.courseRunKey ?? '',
              mode: config.mode ?? '',
            },
      status: credential.status,
      uuid: credential.uuid,
      attributes: attributes.map(({ name, value }) => ({ name, value })),
      date_override: credential.dateOverride ? { date: drfDate(credential.dateOverride) } : null,
      created: drfDate(credential.createdAt),
      modified: drfDate(credential.updatedAt),
      certificate_url: `${origin}/credentials/${uuidHex(credential.uuid)}/`,
    }));
  }
  const one = (request: FastifyRequest, row: CredentialRow) => {
    const [shown] = represent(request, [row]);
    if (!shown) throw new Error('a credential could not be represented');
    return shown;
  };

  return async (app) => {
    app.get(
      '/api/v2/credentials/',
      {
        preValidation: requireAuthentication,
        config: CREDENTIALS_THROTTLE,
        schema: {
          tags: ['credentials'],
          summary: 'Credentials of this site; a learner may list their own with ?username=',
          querystring: Type.Object(
            {
              ...PageQuery.properties,
              username: Type.Optional(Type.String({ minLength: 1, maxLength: 150 })),
              status: Type.Optional(Status),
              type: Type.Optional(Type.Union([Type.Literal('program'), Type.Literal('course-run')])),
              program_uuid: Type.Optional(Type.String({ format: 'uuid' })),
              only_visible: Type.Optional(DjangoBoolean),
            },
            { additionalProperties: false },
          ),
          response: { 200: Paginated(CredentialOut) },
        },
      },
      async (request) => {
        const { query } = request;
        authorize(request.principal, 'credentials:read', { ownerUsername: query.username });
        const page = pageOf(query);
        const { count, rows } = await credentials.list(
          {
            siteId: request.site.id,
            username: query.username,
            status: query.status,
            kind: query.type,
            programUuid: query.program_uuid,
            onlyVisible:
              query.only_visible === undefined ? undefined : TRUE_TEXTS.includes(query.only_visible),
          },
          page,
        );
        return paginated(request, page, count, represent(request, rows));
      },
    );

    app.post(
      '/api/v2/credentials/',
      {
        preValidation: requirePermission('credentials:issue'),
        config: CREDENTIALS_THROTTLE,
        schema: {
          tags: ['credentials'],
          summary: 'Make a learner hold (or not hold) a credential: update or create, always 201',
          body: IssueBody,
          response: { 201: CredentialOut },
        },
      },
      async (request, reply) => {
        const row = await credentials.issue(request.site, issueRequestOf(request.body), actorOf(request));
        return reply.status(201).send(one(request, row));
      },
    );

    app.post(
      '/api/v2/credentials/bulk/',
      {
        preValidation: requirePermission('credentials:issue'),
        config: { ...CREDENTIALS_THROTTLE, checksOwnText: true },
        schema: {
          tags: ['credentials'],
          summary: 'Up to 1,000 POSTs in one: each item succeeds or fails on its own (partial success)',
          body: Type.Object(
            { items: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1000 }) },
            { additionalProperties: false },
          ),
          response: { 200: BulkOut },
        },
      },
      async (request) => {
        const actor = { ...actorOf(request), source: 'bulk' as const };
        const { items } = request.body;
        const prepared = items.map(bulkItemRequest);
        const wellFormed = prepared.flatMap((item) =>
          item instanceof ValidationError ? [] : [{ request: item, actor }],
        );
        const outcomes = await credentials.issueMany(request.site, wellFormed);
        // The database out of reach is the whole request's 503, which the client retries as a whole:
        // issuing again what was written is a no-op.
        const outage = outcomes.find(isOutage);
        if (outage) throw outage;
        const issued = outcomes.values();
        // Items that failed, by error: one failure of the database is logged once, not for each item.
        const failures = new Map<Error, number[]>();
        const results: Static<typeof BulkResult>[] = prepared.map((item, index) => {
          const outcome = item instanceof ValidationError ? item : issued.next().value;
          if (outcome instanceof ValidationError)
            return { index, status: 400, errors: outcome.fields as Record<string, unknown> };
          if (outcome === undefined) throw new Error(`bulk item ${index} has no outcome`);
          // The others may be written by now: this item's failure is told in its place, not as a 500.
          if (outcome instanceof Error) {
            failures.set(outcome, (failures.get(outcome) ?? []).concat(index));
            return { index, status: 500, errors: { non_field_errors: ['A server error occurred.'] } };
          }
          return { index, status: 201, credential: one(request, outcome) };
        });
        for (const [error, indexes] of failures) {
          request.log.error(
            { err: error, items: indexes.length, firstIndex: indexes[0] },
            'bulk items failed',
          );
        }
        const succeeded = results.filter((result) => result.status === 201).length;
        return { succeeded, failed: results.length - succeeded, results };
      },
    );

    app.get(
      '/api/v2/credentials/:uuid/',
      {
        preValidation: requireAuthentication,
        config: CREDENTIALS_THROTTLE,
        schema: {
          tags: ['credentials'],
          summary: 'A credential',
          params: UuidParams,
          response: { 200: CredentialOut },
        },
      },
      async (request) => {
        const row = await credentials.get(request.site, request.params.uuid);
        authorize(request.principal, 'credentials:read', { ownerUsername: row.username });
        return one(request, row);
      },
    );

    const changeStatus = (method: 'PUT' | 'PATCH') =>
      app.route({
        method,
        url: '/api/v2/credentials/:uuid/',
        preValidation: requirePermission('credentials:issue'),
        config: CREDENTIALS_THROTTLE,
        schema: {
          tags: ['credentials'],
          summary: "Change a credential's status",
          params: UuidParams,
          body: method === 'PUT' ? StatusBody : StatusPatch,
          response: { 200: CredentialOut },
        },
        handler: async (request) => {
          const { uuid } = request.params as { uuid: string };
          const { status } = request.body as { status?: CredentialStatus };
          if (status === undefined) return one(request, await credentials.get(request.site, uuid));
          if (status === 'revoked') authorize(request.principal, 'credentials:revoke');
          return one(request, await credentials.setStatus(request.site, uuid, status, actorOf(request)));
        },
      });
    changeStatus('PUT');
    changeStatus('PATCH');

    app.delete(
      '/api/v2/credentials/:uuid/',
      {
        preValidation: requirePermission('credentials:revoke'),
        config: CREDENTIALS_THROTTLE,
        schema: {
          tags: ['credentials'],
          summary: 'Revoke a credential (kept, hidden publicly); 200 with it',
          params: UuidParams,
          response: { 200: CredentialOut },
        },
      },
      async (request) =>
        one(
          request,
          await credentials.setStatus(request.site, request.params.uuid, 'revoked', actorOf(request)),
        ),
    );
  };
}
