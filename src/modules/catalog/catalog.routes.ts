import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { drfDate } from '../../platform/http/formats.ts';
import { Nullable } from '../../platform/http/nullable.ts';
import { PageQuery, Paginated, pageOf, paginated } from '../../platform/http/pagination.ts';
import { actorOf } from '../auth/actor.ts';
import { requirePermission } from '../auth/authorize.ts';
import type { CatalogFilter } from './catalog.queries.ts';
import type { CatalogService } from './catalog.service.ts';
import { MAX_PAGE_SIZE } from './catalog-source.ts';

const Uuid = Type.String({ format: 'uuid' });
const Text = Type.String({ minLength: 1, maxLength: 255 });
const OrgRef = Type.Object({ uuid: Type.String(), key: Type.String(), name: Type.String() });
const Retired = {
  retired: Type.Boolean({
    description: 'Gone from the catalog service, kept because something here uses it',
  }),
};

const Organization = Type.Object(
  {
    uuid: Type.String(),
    key: Type.String(),
    name: Type.String(),
    certificate_logo_image_url: Nullable(Type.String()),
    certificate_logo: Nullable(
      Type.String({ description: 'The uploaded image (asset UUID) certificates show as its logo' }),
    ),
    certificate_logo_url: Nullable(Type.String()),
    ...Retired,
  },
  { $id: 'CatalogOrganization' },
);
const RunDates = { start: Nullable(Type.String()), end: Nullable(Type.String()), hidden: Type.Boolean() };
const Course = Type.Object(
  {
    uuid: Type.String(),
    key: Type.String(),
    title: Type.String(),
    owners: Type.Array(OrgRef),
    course_runs: Type.Array(
      Type.Object({ uuid: Type.String(), key: Type.String(), title: Type.String(), ...RunDates, ...Retired }),
    ),
    ...Retired,
  },
  { $id: 'CatalogCourse' },
);
const CourseRun = Type.Object(
  {
    uuid: Type.String(),
    key: Type.String(),
    title: Type.String(),
    course: Type.Object({ uuid: Type.String(), key: Type.String() }),
    ...RunDates,
    ...Retired,
  },
  { $id: 'CatalogCourseRun' },
);
const Program = Type.Object(
  {
    uuid: Type.String(),
    title: Type.String(),
    type: Type.String(),
    type_slug: Type.String(),
    status: Type.String(),
    total_hours_of_effort: Nullable(Type.Integer()),
    authoring_organizations: Type.Array(OrgRef),
    course_runs: Type.Array(
      Type.Object({ uuid: Type.String(), key: Type.String(), course_uuid: Type.String() }),
    ),
    ...Retired,
  },
  { $id: 'CatalogProgram' },
);
const Pathway = Type.Object(
  {
    uuid: Type.String(),
    name: Type.String(),
    org_name: Type.String(),
    email: Type.String(),
    pathway_type: Type.String(),
    status: Type.String(),
    programs: Type.Array(Type.String()),
    ...Retired,
  },
  { $id: 'CatalogPathway' },
);

/** Each list: its path, what it is, which filters it takes. */
const LISTS = [
  {
    kind: 'organizations',
    path: 'organizations',
    summary: 'Organizations',
    item: Organization,
    filters: { key: Text },
  },
  {
    kind: 'courses',
    path: 'courses',
    summary: 'Courses with their runs and owners',
    item: Course,
    filters: { key: Text, organization: Uuid },
  },
  {
    kind: 'courseRuns',
    path: 'course_runs',
    summary: 'Course runs',
    item: CourseRun,
    filters: { key: Text, course: Uuid },
  },
  {
    kind: 'programs',
    path: 'programs',
    summary: 'Programs with their runs in order and authoring organizations',
    item: Program,
    filters: {
      type_slug: Text,
      status: Type.Union(['active', 'retired', 'deleted', 'unpublished'].map((s) => Type.Literal(s))),
      organization: Uuid,
    },
  },
  {
    kind: 'pathways',
    path: 'pathways',
    summary: 'Pathways with their programs',
    item: Pathway,
    filters: {
      status: Type.Union(['published', 'unpublished', 'retired'].map((s) => Type.Literal(s))),
      pathway_type: Type.Union([Type.Literal('credit'), Type.Literal('industry')]),
    },
  },
] as const;

const SyncJob = Type.Object({
  id: Type.String(),
  state: Type.String(),
  created: Type.String(),
  completed: Type.Union([Type.String(), Type.Null()]),
  retries: Type.Integer(),
  report: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});

export function catalogRoutes(catalog: CatalogService): FastifyPluginAsyncTypebox {
  return async (app) => {
    for (const list of LISTS) {
      const filters = Object.fromEntries(
        Object.entries(list.filters).map(([name, schema]) => [name, Type.Optional(schema)]),
      );
      app.get(
        `/api/v2/catalog/${list.path}/`,
        {
          preValidation: requirePermission('catalog:read'),
          schema: {
            tags: ['catalog'],
            summary: `${list.summary} (this site's copy of the catalog)`,
            querystring: Type.Object(
              { ...PageQuery.properties, ...filters },
              { additionalProperties: false },
            ),
            response: { 200: Paginated(list.item) },
          },
        },
        async (request) => {
          const query = request.query as Record<string, string | undefined>;
          const filter: CatalogFilter = {
            key: query.key,
            organization: query.organization,
            course: query.course,
            typeSlug: query.type_slug,
            status: query.status,
            pathwayType: query.pathway_type,
          };
          const page = pageOf(query);
          const { count, results } = await catalog.list(list.kind, request.site.id, filter, page);
          return paginated(request, page, count, results as never[]);
        },
      );
    }

    app.patch(
      '/api/v2/catalog/organizations/:uuid/',
      {
        preValidation: requirePermission('config:write'),
        schema: {
          tags: ['catalog'],
          summary: "Set the logo certificates show for an organization (an uploaded image's UUID, or null)",
          params: Type.Object({ uuid: Type.String({ maxLength: 64 }) }),
          body: Type.Object(
            { certificate_logo: Nullable(Type.String({ maxLength: 64 })) },
            { additionalProperties: false },
          ),
          response: { 200: Organization },
        },
      },
      async (request) =>
        catalog.setOrganizationLogo(
          request.site,
          request.params.uuid,
          request.body.certificate_logo,
          actorOf(request),
        ),
    );

    app.post(
      '/api/v2/catalog/sync/',
      {
        preValidation: requirePermission('catalog:sync'),
        schema: {
          tags: ['catalog'],
          summary: "Queue a copy of this site's catalog from the catalog service",
          body: Type.Optional(
            Type.Object(
              {
                delete: Type.Optional(Type.Boolean()),
                page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE })),
              },
              { additionalProperties: false },
            ),
          ),
          response: { 202: Type.Object({ id: Type.String(), state: Type.String() }) },
        },
      },
      async (request, reply) => {
        const body = request.body ?? {};
        const id = await catalog.enqueueSync(request.site, { delete: body.delete, pageSize: body.page_size });
        return reply.status(202).send({ id, state: 'created' });
      },
    );

    app.get(
      '/api/v2/catalog/sync/:id/',
      {
        preValidation: requirePermission('catalog:sync'),
        schema: {
          tags: ['catalog'],
          summary: 'The state of a queued catalog copy, and its report once done',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          response: { 200: SyncJob },
        },
      },
      async (request) => {
        const job = await catalog.syncJob(request.site, request.params.id);
        const output = job.output as Record<string, unknown> | null;
        return {
          id: job.id,
          state: job.state,
          created: drfDate(job.createdOn),
          completed: job.completedOn ? drfDate(job.completedOn) : null,
          retries: job.retryCount,
          report: output && typeof output === 'object' ? output : null,
        };
      },
    );
  };
}
