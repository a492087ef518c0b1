import type { Database, Db } from '../../platform/db/database.ts';
import type { JobQueue } from '../../platform/jobs/jobs.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { NotFoundError, ValidationError } from '../../platform/errors.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { type Actor, type AuditService, diffForAudit } from '../audit/audit.service.ts';
import type { CatalogService } from '../catalog/catalog.service.ts';
import type { Site } from '../sites/sites.service.ts';
import { type ConfigEditing, type ConfigPresentation, presentationValues } from './config-editing.ts';
import type {
  CourseCertificateFilter,
  CourseCertificatesRepository,
} from './course-certificates.repository.ts';
import type { COURSE_MODES } from './credentials.schema.ts';
import type { CredentialConfig, CredentialsRepository } from './credentials.repository.ts';
import { PROGRAM_COMPLETION_JOB, type ProgramCompletionJob, sameTime } from './credential-writes.ts';

export type CourseMode = (typeof COURSE_MODES)[number];

/** Learners per completion job when a run's certificate date moves. */
const REDATE_CHUNK = 1000;

export interface CourseCertificateChange extends ConfigPresentation {
  certificateAvailableDate?: Date | null;
  isActive?: boolean;
}

/** What the audit log shows of a course-run configuration. */
const shown = (config: CredentialConfig) => ({
  courseRunKey: config.courseRunKey,
  mode: config.mode,
  certificateAvailableDate: config.certificateAvailableDate,
  isActive: config.isActive,
  title: config.title,
  language: config.language,
  useOrgName: config.useOrgName,
  includeHoursOfEffort: config.includeHoursOfEffort,
});

/**
 * Course certificate configurations (`/api/v2/course_certificates/`): one per course run and mode,
 * carrying the date from which the certificates may be shown, as the LMS announces them, and how the
 * certificate looks, as admins set it. Every change to one goes through `upsert` or `remove`.
 */
export function createCourseCertificatesService(deps: {
  database: Database;
  repository: CredentialsRepository;
  courseCertificates: CourseCertificatesRepository;
  editing: ConfigEditing;
  catalog: CatalogService;
  audit: AuditService;
  jobs: JobQueue;
}) {
  const { database, repository, courseCertificates, editing, catalog, audit, jobs } = deps;
  const { db } = database;

  async function record(
    tx: Db,
    actor: Actor,
    site: Site,
    config: CredentialConfig,
    before: CredentialConfig | null,
    signatories: { signatories?: string[] },
  ) {
    const changes = { ...diffForAudit(before && shown(before), shown(config)), ...signatories };
    if (Object.keys(changes).length === 0) return;
    await audit.record(tx, actor, {
      siteId: site.id,
      action: before ? 'config.updated' : 'config.created',
      targetType: 'credential_config',
      targetId: config.uuid,
      changes,
    });
  }

  /** One upsert: the configuration as it is afterwards; a 400 (and nothing written) for bad signatories. */
  async function write(
    site: Site,
    courseId: string,
    mode: CourseMode,
    change: CourseCertificateChange,
    actor: Actor,
  ) {
    const existing =
      (await repository.courseRunConfigsOf(db, site.id, [courseId])).find((config) => config.mode === mode) ??
      null;
    const run = await catalog.courseRun(site.id, courseId);
    const values = {
      ...(change.certificateAvailableDate !== undefined && {
        certificateAvailableDate: change.certificateAvailableDate,
      }),
      ...(change.isActive !== undefined && { isActive: change.isActive }),
      ...presentationValues(change),
      ...(run && { courseRunId: run.id }),
    };
    return editing.change(site, async (tx) => {
      const config = !existing
        ? await repository.insertConfig(tx, {
            siteId: site.id,
            kind: 'course-run',
            courseRunKey: courseId,
            mode,
            ...values,
          })
        : Object.keys(diffForAudit(existing as Record<string, unknown>, values)).length > 0
          ? await repository.updateConfig(tx, existing.id, values)
          : existing;
      const signatories = await editing.setSignatories(tx, site, config.id, change.signatories);
      await record(tx, actor, site, config, existing, signatories);
      if (existing && !sameTime(existing.certificateAvailableDate, config.certificateAvailableDate))
        await redateProgramsOf(tx, site, config);
      return config;
    });
  }

  /**
   * Program credentials are dated by their courses' certificate dates: when one moves, program
   * completion looks again at the run's learners, enqueued with the change. A date revokes nothing
   * (the checks are not revocations); their program credentials are dated again.
   */
  async function redateProgramsOf(tx: Db, site: Site, config: CredentialConfig) {
    const holders = await repository.awardedHolders(tx, config.id);
    for (let from = 0; from < holders.length; from += REDATE_CHUNK) {
      const checks = holders.slice(from, from + REDATE_CHUNK).map((userId) => ({
        userId,
        courseRunKey: config.courseRunKey ?? '',
        revoked: false,
      }));
      await jobs.enqueue<ProgramCompletionJob>(tx, PROGRAM_COMPLETION_JOB, { siteId: site.id, checks });
    }
  }

  const service = {
    list: (site: Site, filter: CourseCertificateFilter, page: Page) =>
      courseCertificates.list(db, site.id, filter, page),

    /** Signatory UUIDs of each configuration, in order. */
    signatoriesOf: editing.signatoriesOf,

    /** The configuration of a run, for one mode; with several modes the mode must be named. */
    async get(site: Site, courseId: string, mode?: string): Promise<CredentialConfig> {
      const configs = await repository.courseRunConfigsOf(db, site.id, [courseId]);
      const matching = mode ? configs.filter((config) => config.mode === mode) : configs;
      if (matching.length === 0) throw new NotFoundError();
      if (matching.length > 1) {
        throw ValidationError.field(
          'certificate_type',
          `This course run has several: ${matching.map((c) => c.mode).join(', ')}. Name one.`,
        );
      }
      return matching[0] as CredentialConfig;
    },

    /** Update or create the configuration of a run and mode. */
    async upsert(
      site: Site,
      courseId: string,
      mode: CourseMode,
      change: CourseCertificateChange,
      actor: Actor,
    ): Promise<CredentialConfig> {
      try {
        return await write(site, courseId, mode, change, actor);
      } catch (error) {
        // Two first announcements of the same run and mode at once: the loser updates what the winner made.
        if (isUniqueViolation(error)) return write(site, courseId, mode, change, actor);
        throw error;
      }
    },

    /** Change the configuration of a run (naming the mode when it has several). */
    async update(
      site: Site,
      courseId: string,
      mode: string | undefined,
      change: CourseCertificateChange,
      actor: Actor,
    ): Promise<CredentialConfig> {
      const existing = await service.get(site, courseId, mode);
      return service.upsert(site, courseId, existing.mode as CourseMode, change, actor);
    },

    /** Delete the configuration of a run (naming the mode when it has several); 409 while credentials use it. */
    async remove(site: Site, courseId: string, mode: string | undefined, actor: Actor): Promise<void> {
      await editing.deleteConfig(site, await service.get(site, courseId, mode), actor);
    },
  };
  return service;
}

export type CourseCertificatesService = ReturnType<typeof createCourseCertificatesService>;
