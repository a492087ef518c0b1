import { and, eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { type Db, preparedPer } from '../../platform/db/database.ts';
import { users } from '../users/users.schema.ts';
import { credentialConfigs, userCredentials } from './credentials.schema.ts';

/** An organization as a certificate names it. */
export interface ShownOrganization {
  key: string;
  name: string;
  /** Content hash of the logo uploaded for it, when there is one. */
  logoSha256: string | null;
}

/** A signatory as a certificate shows it, in the configuration's order. */
export interface ShownSignatory {
  name: string;
  title: string;
  organizationNameOverride: string | null;
  /** Content hash of the signature image, when one is attached. */
  imageSha256: string | null;
}

/** A certificate configuration with the catalog and signatories its certificates show. */
export interface ShownConfig {
  config: {
    uuid: string;
    kind: 'program' | 'course-run';
    title: string | null;
    language: string | null;
    useOrgName: boolean;
    includeHoursOfEffort: boolean;
    certificateAvailableDate: Date | null;
    mode: string | null;
    updatedAt: Date;
  };
  /** The program of a program configuration. */
  program: {
    uuid: string;
    title: string;
    type: string;
    typeSlug: string;
    hoursOfEffort: number | null;
  } | null;
  /** The course run of a course configuration (and the title it is shown under). */
  courseRun: { key: string; title: string } | null;
  /** The program's authoring organizations, or the owners of the run's course, in catalog order. */
  organizations: ShownOrganization[];
  signatories: ShownSignatory[];
}

/** What a certificate page shows of one credential itself, with its learner. */
export interface ShownHolding {
  uuid: string;
  status: 'awarded' | 'revoked';
  awardedAt: Date;
  dateOverride: Date | null;
  /** Program credentials: the stored display date (null while there is none). */
  visibleDate: Date | null;
  updatedAt: Date;
  learner: { id: number; username: string; fullName: string };
}

/** Everything a certificate page shows of one awarded credential. */
export interface ShownCredential extends ShownConfig, ShownHolding {}

type Timestamp = string | Date;

interface ConfigRow {
  config_uuid: string;
  kind: 'program' | 'course-run';
  title: string | null;
  language: string | null;
  use_org_name: boolean;
  include_hours_of_effort: boolean;
  certificate_available_date: Timestamp | null;
  mode: string | null;
  config_updated_at: Timestamp;
  program: ShownConfig['program'];
  course_run: ShownConfig['courseRun'];
  organizations: ShownOrganization[];
  signatories: ShownSignatory[];
}

const date = (value: Timestamp) => new Date(value);
const maybeDate = (value: Timestamp | null) => (value === null ? null : new Date(value));

/** The columns of a configuration `cc` and, as JSON, the catalog and signatories it shows. */
const CONFIG_COLUMNS = sql`
  cc.uuid as config_uuid, cc.kind, cc.title, cc.language, cc.use_org_name,
  cc.include_hours_of_effort, cc.certificate_available_date, cc.mode,
  cc.updated_at as config_updated_at,
  (select json_build_object('uuid', p.uuid, 'title', p.title, 'type', p.type,
      'typeSlug', p.type_slug, 'hoursOfEffort', p.total_hours_of_effort)
    from programs p where p.id = cc.program_id) as program,
  (select json_build_object('key', r.key, 'title', coalesce(r.title_override, c.title))
    from course_runs r join courses c on c.id = r.course_id
    where r.site_id = cc.site_id and r.key = cc.course_run_key) as course_run,
  coalesce(
    (select json_agg(json_build_object('key', o.key, 'name', o.name, 'logoSha256', logo.sha256)
        order by pao.position)
      from program_authoring_organizations pao
      join organizations o on o.id = pao.organization_id
      left join assets logo on logo.id = o.logo_asset_id
      where pao.program_id = cc.program_id),
    (select json_agg(json_build_object('key', o.key, 'name', o.name, 'logoSha256', logo.sha256)
        order by co.position)
      from course_runs r
      join course_owners co on co.course_id = r.course_id
      join organizations o on o.id = co.organization_id
      left join assets logo on logo.id = o.logo_asset_id
      where r.site_id = cc.site_id and r.key = cc.course_run_key),
    '[]'::json) as organizations,
  coalesce(
    (select json_agg(json_build_object('name', s.name, 'title', s.title,
        'organizationNameOverride', s.organization_name_override, 'imageSha256', a.sha256)
        order by ccs.position)
      from credential_config_signatories ccs
      join signatories s on s.id = ccs.signatory_id
      left join assets a on a.id = s.image_asset_id
      where ccs.config_id = cc.id),
    '[]'::json) as signatories`;

function shownConfig(row: ConfigRow): ShownConfig {
  return {
    config: {
      uuid: row.config_uuid,
      kind: row.kind,
      title: row.title,
      language: row.language,
      useOrgName: row.use_org_name,
      includeHoursOfEffort: row.include_hours_of_effort,
      certificateAvailableDate: maybeDate(row.certificate_available_date),
      mode: row.mode,
      updatedAt: date(row.config_updated_at),
    },
    program: row.program,
    courseRun: row.course_run,
    organizations: row.organizations,
    signatories: row.signatories,
  };
}

/** A configuration as the certificates of the row `cc` show it, as one JSON object. */
const CONFIG_JSON = sql<ConfigRow>`(select row_to_json(shown) from (select ${CONFIG_COLUMNS}) shown)`;
const cc = alias(credentialConfigs, 'cc');

/**
 * The queries are prepared statements: with their subqueries, planning them took longer than running
 * them, and a prepared statement is planned once per connection. A credential and its configuration
 * are read apart, so that the configuration (most of the work) can be kept while nothing changes.
 */
const prepareFind = (db: Db) =>
  db
    .select({
      siteId: userCredentials.siteId,
      uuid: userCredentials.uuid,
      status: userCredentials.status,
      awardedAt: userCredentials.awardedAt,
      dateOverride: userCredentials.dateOverride,
      visibleDate: userCredentials.visibleDate,
      updatedAt: userCredentials.updatedAt,
      learner: { id: users.id, username: users.username, fullName: users.fullName },
      configId: userCredentials.configId,
    })
    .from(userCredentials)
    .innerJoin(users, eq(users.id, userCredentials.userId))
    .where(
      sql`(${userCredentials.siteId}, ${userCredentials.uuid}) in
        (select * from unnest(${sql.placeholder('siteIds')}::bigint[], ${sql.placeholder('uuids')}::uuid[]))`,
    )
    .prepare('shown_credentials');

const prepareFindConfig = (db: Db) =>
  db
    .select({ config: CONFIG_JSON })
    .from(cc)
    .where(and(eq(cc.siteId, sql.placeholder('siteId')), eq(cc.uuid, sql.placeholder('uuid'))))
    .prepare('shown_config');

const prepareConfig = (db: Db) =>
  db
    .select({ config: CONFIG_JSON })
    .from(cc)
    .where(and(eq(cc.siteId, sql.placeholder('siteId')), eq(cc.id, sql.placeholder('id'))))
    .prepare('shown_config_by_id');

/** Reads credentials and configurations as certificate pages show them, each in one query. */
export function createShownCredentialsRepository() {
  const findStatement = preparedPer(prepareFind);
  const findConfigStatement = preparedPer(prepareFindConfig);
  const configStatement = preparedPer(prepareConfig);
  return {
    /**
     * The credentials with these (site, UUID) pairs, whatever their status, each with its site and its
     * configuration's id; pairs that name none are left out.
     */
    async findMany(
      db: Db,
      wanted: { siteId: number; uuid: string }[],
    ): Promise<(ShownHolding & { siteId: number; configId: number })[]> {
      return findStatement(db).execute({
        siteIds: wanted.map(({ siteId }) => siteId),
        uuids: wanted.map(({ uuid }) => uuid),
      });
    },

    /** The site's configuration with this id, as its certificates show it, or undefined. */
    async config(db: Db, siteId: number, configId: number): Promise<ShownConfig | undefined> {
      const [row] = await configStatement(db).execute({ siteId, id: configId });
      return row && shownConfig(row.config);
    },

    /** A user as a certificate shows its learner, or undefined. */
    async learner(db: Db, userId: number): Promise<ShownCredential['learner'] | undefined> {
      const [row] = await db
        .select({ id: users.id, username: users.username, fullName: users.fullName })
        .from(users)
        .where(eq(users.id, userId));
      return row;
    },

    /** The configuration with this UUID on this site, as its certificates would show it, or undefined. */
    async findConfig(db: Db, siteId: number, configUuid: string): Promise<ShownConfig | undefined> {
      const [row] = await findConfigStatement(db).execute({ siteId, uuid: configUuid });
      return row && shownConfig(row.config);
    },
  };
}

export type ShownCredentialsRepository = ReturnType<typeof createShownCredentialsRepository>;
