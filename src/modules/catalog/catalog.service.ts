import { type ChangeTokens, changeKeys } from '../../platform/cache/change-tokens.ts';
import type { Database } from '../../platform/db/database.ts';
import { NotFoundError, ValidationError } from '../../platform/errors.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { parseUuid } from '../../platform/ids.ts';
import type { JobQueue } from '../../platform/jobs/jobs.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import type { AssetsService } from '../certificates/assets.service.ts';
import type { Site, SitesService } from '../sites/sites.service.ts';
import { type CatalogQueries, type CatalogFilter, findOrganization } from './catalog.queries.ts';
import type { CatalogRepository } from './catalog.repository.ts';
import type { SyncOptions, SyncReport, CatalogSync } from './catalog-sync.ts';
import { MAX_PAGE_SIZE } from './catalog-source.ts';

export const CATALOG_SYNC_JOB = 'catalog.sync';
export const CATALOG_SYNC_ALL_JOB = 'catalog.sync-all';

interface SyncJobData {
  siteId: number;
  delete: boolean;
  pageSize: number;
}

export interface CatalogServiceDeps {
  repository: CatalogRepository;
  database: Database;
  sync: CatalogSync;
  queries: CatalogQueries;
  sites: SitesService;
  jobs: JobQueue;
  audit: AuditService;
  changes: ChangeTokens;
  /** Looks up uploaded images (organization logos). */
  assets: Pick<AssetsService, 'idOf'>;
  defaultPageSize: number;
  /** Minutes between scheduled syncs of every site; 0 for none. */
  intervalMinutes: number;
}

/** The cron expression for an interval in minutes (validated by configuration). */
export function cronFor(minutes: number): string {
  if (minutes < 60) return `*/${minutes} * * * *`;
  if (minutes < 1440) return `0 */${minutes / 60} * * *`;
  return '0 0 * * *';
}

export function createCatalogService(deps: CatalogServiceDeps) {
  const { database, sync, queries, sites, jobs, audit, changes, defaultPageSize } = deps;

  function checkPageSize(pageSize: number | undefined): number {
    const size = pageSize ?? defaultPageSize;
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
      throw ValidationError.field('page_size', `Must be a whole number from 1 to ${MAX_PAGE_SIZE}.`);
    }
    return size;
  }

  async function recordSync(site: Site, actor: Actor, report: SyncReport) {
    const { tallies } = report;
    await audit.record(database.db, actor, {
      siteId: site.id,
      action: 'catalog.synced',
      targetType: 'site',
      targetId: site.id,
      changes: {
        complete: report.complete,
        error: report.error,
        tallies,
        itemErrors: report.itemErrors.length,
      },
    });
  }

  return {
    /** Syncs one site now; the CLI's way in. */
    async syncSite(site: Site, options: Partial<SyncOptions>, actor: Actor): Promise<SyncReport> {
      const report = await sync.syncSite(site, {
        delete: options.delete ?? false,
        pageSize: checkPageSize(options.pageSize),
        onProgress: options.onProgress,
      });
      await recordSync(site, actor, report);
      // Certificates show catalog titles and organizations.
      await changes.bump(changeKeys.siteCertificates(site.id));
      return report;
    },

    /** The sites that have a catalog to copy. */
    async syncableSites(): Promise<Site[]> {
      return (await sites.list()).filter((site) => site.catalogApiUrl);
    },

    /** Queues a sync of the site; the API's way in. Returns the job id. */
    async enqueueSync(site: Site, options: { delete?: boolean; pageSize?: number }): Promise<string> {
      if (!site.catalogApiUrl)
        throw ValidationError.field('non_field_errors', 'This site has no catalog API URL to sync from.');
      const data: SyncJobData = {
        siteId: site.id,
        delete: options.delete ?? false,
        pageSize: checkPageSize(options.pageSize),
      };
      return jobs.enqueue(database.db, CATALOG_SYNC_JOB, data);
    },

    /** A queued sync of this site (never another site's). */
    async syncJob(site: Site, id: string) {
      const job = /^[0-9a-f-]{36}$/i.test(id) ? await jobs.get(CATALOG_SYNC_JOB, id) : null;
      if (!job || (job.data as SyncJobData).siteId !== site.id) throw new NotFoundError();
      return job;
    },

    defineJobs(): void {
      jobs.define<SyncJobData>({
        name: CATALOG_SYNC_JOB,
        retryLimit: 3,
        retryDelaySeconds: 30,
        expireInSeconds: 3600,
        concurrency: 1, // a sync is long and heavy: one at a time per instance
        handler: async (data) => {
          const site = await sites.findById(data.siteId);
          if (!site) return { skipped: 'the site no longer exists' };
          const report = await this.syncSite(site, data, { label: `job:${CATALOG_SYNC_JOB}`, source: 'job' });
          // The catalog service failing is worth retrying later; bad items are not.
          if (report.error) throw new Error(report.error);
          return report;
        },
      });
      jobs.define({
        name: CATALOG_SYNC_ALL_JOB,
        retryLimit: 0,
        cron: deps.intervalMinutes > 0 ? cronFor(deps.intervalMinutes) : undefined,
        handler: async () => {
          const queued = [];
          for (const site of await this.syncableSites()) queued.push(await this.enqueueSync(site, {}));
          return { queued };
        },
      });
    },

    /** A course run of the site by key (as the LMS names it), if the catalog has it. */
    courseRun: async (siteId: number, key: string) =>
      (await deps.repository.courseRunsByKeys(database.db, siteId, [key]))[0],

    /** The site's course runs among these keys (those the catalog has). */
    courseRuns: (siteId: number, keys: string[]) =>
      deps.repository.courseRunsByKeys(database.db, siteId, keys),

    /** A program of the site by UUID, if the catalog has it. */
    program: (siteId: number, uuid: string) => deps.repository.programByUuid(database.db, siteId, uuid),

    list: (kind: keyof CatalogQueries, siteId: number, filter: CatalogFilter, page: Page) =>
      queries[kind](database.db, siteId, filter, page),

    /**
     * Sets the uploaded image (asset UUID, or null for none) that certificates show as an
     * organization's logo; answers the organization as the catalog API shows it.
     */
    async setOrganizationLogo(site: Site, organizationUuid: string, logo: string | null, actor: Actor) {
      const { db } = database;
      const uuid = parseUuid(organizationUuid);
      const before = uuid ? await findOrganization(db, site.id, uuid) : undefined;
      if (!uuid || !before) throw new NotFoundError();
      const logoAssetId = logo === null ? null : await deps.assets.idOf(site, logo);
      if (logoAssetId === undefined)
        throw ValidationError.field('certificate_logo', 'No image of this site has that UUID.');
      await changes.commit(
        db,
        async (tx) => {
          await deps.repository.setOrganizationLogo(tx, site.id, uuid, logoAssetId);
          await audit.record(tx, actor, {
            siteId: site.id,
            action: 'organization.logo-set',
            targetType: 'organization',
            targetId: uuid,
            changes: { certificate_logo: [before.certificate_logo, logo] },
          });
        },
        [changeKeys.siteCertificates(site.id)],
      );
      return findOrganization(db, site.id, uuid);
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
