import type { Database } from '../../platform/db/database.ts';
import { NotFoundError, ValidationError } from '../../platform/errors.ts';
import { type Actor, type AuditService, diffForAudit } from '../audit/audit.service.ts';
import type { CatalogService } from '../catalog/catalog.service.ts';
import type { Site } from '../sites/sites.service.ts';
import type { COURSE_MODES } from './credentials.schema.ts';
import type { CredentialConfig, CredentialsRepository } from './credentials.repository.ts';

export type CourseMode = (typeof COURSE_MODES)[number];

export interface CourseCertificateChange {
  certificateAvailableDate?: Date | null;
  isActive?: boolean;
}

/**
 * Course certificate configurations as the LMS announces them (`/api/v2/course_certificates/`): one
 * per course run and mode, carrying the date from which the certificates may be shown.
 */
export function createCourseCertificatesService(deps: {
  database: Database;
  repository: CredentialsRepository;
  catalog: CatalogService;
  audit: AuditService;
}) {
  const { database, repository, catalog, audit } = deps;
  const { db } = database;

  async function record(actor: Actor, site: Site, config: CredentialConfig, before: CredentialConfig | null) {
    const shown = (c: CredentialConfig | null) =>
      c && {
        certificateAvailableDate: c.certificateAvailableDate,
        isActive: c.isActive,
        mode: c.mode,
        courseRunKey: c.courseRunKey,
      };
    const changes = diffForAudit(shown(before), shown(config) ?? {});
    if (Object.keys(changes).length === 0) return;
    await audit.record(db, actor, {
      siteId: site.id,
      action: before ? 'config.updated' : 'config.created',
      targetType: 'credential_config',
      targetId: config.uuid,
      changes,
    });
  }

  return {
    /** The configuration of a run, for one mode; with several modes the mode must be named. */
    async get(site: Site, courseId: string, mode?: string): Promise<CredentialConfig> {
      const configs = await repository.courseRunConfigs(db, site.id, courseId);
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
    ) {
      const existing =
        (await repository.courseRunConfigs(db, site.id, courseId)).find((config) => config.mode === mode) ??
        null;
      const run = await catalog.courseRun(site.id, courseId);
      const values = {
        ...(change.certificateAvailableDate !== undefined && {
          certificateAvailableDate: change.certificateAvailableDate,
        }),
        ...(change.isActive !== undefined && { isActive: change.isActive }),
        ...(run && { courseRunId: run.id }),
      };
      const config = existing
        ? await repository.updateConfig(db, existing.id, values)
        : await repository.insertConfig(db, {
            siteId: site.id,
            kind: 'course-run',
            courseRunKey: courseId,
            mode,
            ...values,
          });
      await record(actor, site, config, existing);
      return { config, created: !existing, linked: Boolean(run) };
    },

    async update(
      site: Site,
      courseId: string,
      mode: string | undefined,
      change: CourseCertificateChange,
      actor: Actor,
    ) {
      const existing = await this.get(site, courseId, mode);
      return this.upsert(site, courseId, existing.mode as CourseMode, change, actor);
    },
  };
}

export type CourseCertificatesService = ReturnType<typeof createCourseCertificatesService>;
