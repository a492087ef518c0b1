/**
 * Copies one site's catalog from the catalog service: organizations, then courses (with their runs),
 * programs and pathways, so references always point at rows already copied. Each item is written in a
 * transaction of its own; unchanged items (same content hash) are skipped; relations are rebuilt
 * exactly. Items gone upstream are reported, and deleted only when asked — those something still
 * references (credentials, grades, configurations, records) are marked retired instead.
 */
import type { Clock } from '../../platform/clock.ts';
import type { Database, Db } from '../../platform/db/database.ts';
import { UpstreamError } from '../../platform/http-client/http-client.ts';
import type { Site } from '../sites/sites.service.ts';
import {
  CATALOG_RESOURCES,
  type CatalogResource,
  CatalogItemError,
  type CourseItem,
  type OrganizationItem,
  PARSERS,
  type ParsedItem,
  type PathwayItem,
  type ProgramItem,
  contentHash,
  describeItem,
} from './catalog-items.ts';
import type { CatalogRepository, SyncedTable } from './catalog.repository.ts';
import { courseRuns, organizations, programs } from './catalog.schema.ts';
import type { CatalogSource } from './catalog-source.ts';

export interface Tally {
  created: number;
  updated: number;
  unchanged: number;
  retired: number;
  deleted: number;
  failed: number;
}

export interface GoneItem {
  table: SyncedTable;
  uuid: string;
  label: string;
}

export interface SyncReport {
  site: string;
  /** Every listing was read to the end; only then are deletions considered. */
  complete: boolean;
  /** Why the sync stopped early (the catalog service failed), if it did. */
  error: string | null;
  tallies: Record<SyncedTable, Tally>;
  itemErrors: string[];
  /** Gone upstream, waiting for a sync with `delete`. */
  pendingDeletions: GoneItem[];
  retired: GoneItem[];
  durationMs: number;
}

export interface SyncProgress {
  resource: CatalogResource;
  page: number;
  done: number;
  total: number;
}

export interface SyncOptions {
  delete: boolean;
  pageSize: number;
  onProgress?: (progress: SyncProgress) => void;
}

/** Deleted children first, so a parent's rows are free to go after them. */
const DELETION_ORDER: SyncedTable[] = ['pathways', 'programs', 'course_runs', 'courses', 'organizations'];

const emptyTally = (): Tally => ({ created: 0, updated: 0, unchanged: 0, retired: 0, deleted: 0, failed: 0 });

function isReferenced(error: unknown): boolean {
  const code =
    (error as { code?: string; cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
  return code === '23503' || code === '23001';
}

export interface CatalogSyncDeps {
  database: Database;
  repository: CatalogRepository;
  source: CatalogSource;
  clock: Clock;
}

export function createCatalogSync({ database, repository, source, clock }: CatalogSyncDeps) {
  const { db } = database;

  /** Resolves UUIDs to ids, failing the item when one is unknown here. */
  function resolve(
    ids: Map<string, number>,
    uuids: string[],
    resource: CatalogResource,
    item: ParsedItem,
    what: string,
  ): number[] {
    return uuids.map((uuid) => {
      const id = ids.get(uuid);
      if (id === undefined)
        throw new CatalogItemError(resource, describeItem(item), `refers to unknown ${what} ${uuid}`);
      return id;
    });
  }

  /** Everything an item of this page refers to, looked up once for the page. */
  async function referencesOf(siteId: number, resource: CatalogResource, items: ParsedItem[]) {
    const all = (pick: (item: ParsedItem) => string[]) => items.flatMap(pick);
    switch (resource) {
      case 'courses':
        return {
          organizations: await repository.idsByUuid(
            db,
            organizations,
            siteId,
            all((i) => (i as CourseItem).ownerUuids),
          ),
        };
      case 'programs':
        return {
          organizations: await repository.idsByUuid(
            db,
            organizations,
            siteId,
            all((i) => (i as ProgramItem).authoringOrganizationUuids),
          ),
          runs: await repository.idsByUuid(
            db,
            courseRuns,
            siteId,
            all((i) => (i as ProgramItem).courseRunUuids),
          ),
        };
      case 'pathways':
        return {
          programs: await repository.idsByUuid(
            db,
            programs,
            siteId,
            all((i) => (i as PathwayItem).programUuids),
          ),
        };
      default:
        return {};
    }
  }

  async function write(
    executor: Db,
    siteId: number,
    resource: CatalogResource,
    item: ParsedItem,
    hash: string,
    refs: Awaited<ReturnType<typeof referencesOf>>,
    tallies: SyncReport['tallies'],
  ) {
    switch (resource) {
      case 'organizations':
        return repository.upsertOrganization(executor, siteId, item as OrganizationItem, hash);
      case 'courses': {
        const course = item as CourseItem;
        const owners = resolve(
          refs.organizations ?? new Map(),
          course.ownerUuids,
          resource,
          item,
          'organization',
        );
        const { inserted, runsInserted } = await repository.upsertCourse(
          executor,
          siteId,
          course,
          hash,
          owners,
        );
        tallies.course_runs.created += runsInserted;
        tallies.course_runs.updated += course.runs.length - runsInserted;
        return inserted;
      }
      case 'programs': {
        const program = item as ProgramItem;
        const runs = resolve(refs.runs ?? new Map(), program.courseRunUuids, resource, item, 'course run');
        const orgs = resolve(
          refs.organizations ?? new Map(),
          program.authoringOrganizationUuids,
          resource,
          item,
          'organization',
        );
        return repository.upsertProgram(executor, siteId, program, hash, runs, orgs);
      }
      case 'pathways': {
        const pathway = item as PathwayItem;
        const linked = resolve(refs.programs ?? new Map(), pathway.programUuids, resource, item, 'program');
        return repository.upsertPathway(executor, siteId, pathway, hash, linked);
      }
    }
  }

  return {
    async syncSite(site: Site, options: SyncOptions): Promise<SyncReport> {
      const started = clock.now().getTime();
      const tallies = Object.fromEntries(
        DELETION_ORDER.map((table) => [table, emptyTally()]),
      ) as SyncReport['tallies'];
      const report: SyncReport = {
        site: site.domain,
        complete: false,
        error: null,
        tallies,
        itemErrors: [],
        pendingDeletions: [],
        retired: [],
        durationMs: 0,
      };
      const seen: Record<SyncedTable, Set<string>> = Object.fromEntries(
        DELETION_ORDER.map((table) => [table, new Set<string>()]),
      ) as Record<SyncedTable, Set<string>>;
      let unidentified = 0;

      try {
        for (const resource of CATALOG_RESOURCES) {
          let done = 0;
          for await (const page of source.pages(site, resource, options.pageSize)) {
            const items: ParsedItem[] = [];
            for (const raw of page.results) {
              try {
                items.push(PARSERS[resource](raw));
              } catch (error) {
                if (!(error instanceof CatalogItemError)) throw error;
                report.itemErrors.push(error.message);
                tallies[resource].failed += 1;
                // An item that cannot be read may still exist upstream: never count it as gone.
                const uuid = (raw as { uuid?: unknown } | null)?.uuid;
                if (typeof uuid === 'string') seen[resource].add(uuid.toLowerCase());
                else unidentified += 1;
              }
            }
            for (const item of items) {
              seen[resource].add(item.uuid);
              if (resource === 'courses')
                for (const run of (item as CourseItem).runs) seen.course_runs.add(run.uuid);
            }
            const stored = await repository.hashes(
              db,
              resource,
              site.id,
              items.map((item) => item.uuid),
            );
            const refs = await referencesOf(site.id, resource, items);
            for (const item of items) {
              const hash = contentHash(item);
              if (stored.get(item.uuid) === hash) {
                tallies[resource].unchanged += 1;
                if (resource === 'courses') tallies.course_runs.unchanged += (item as CourseItem).runs.length;
                continue;
              }
              try {
                // One statement per item: it is saved whole or not at all.
                const created = await write(db, site.id, resource, item, hash, refs, tallies);
                tallies[resource][created ? 'created' : 'updated'] += 1;
              } catch (error) {
                if (!(error instanceof CatalogItemError)) {
                  if (error instanceof UpstreamError) throw error;
                  const reason = (error as { cause?: Error }).cause?.message ?? (error as Error).message;
                  report.itemErrors.push(
                    `${resource.slice(0, -1)} ${describeItem(item)}: could not be saved (${reason})`,
                  );
                } else {
                  report.itemErrors.push(error.message);
                }
                tallies[resource].failed += 1;
              }
            }
            done += page.results.length;
            options.onProgress?.({ resource, page: page.number, done, total: page.count });
          }
        }
        report.complete = true;
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        report.error = error.message;
      }

      if (report.complete && unidentified === 0) {
        for (const table of DELETION_ORDER) {
          for (const gone of await repository.missing(db, table, site.id, seen[table])) {
            const entry = { table, uuid: gone.uuid, label: gone.label };
            if (!options.delete) {
              report.pendingDeletions.push(entry);
              continue;
            }
            try {
              await db.transaction((tx) => repository.delete(tx, table, gone.id));
              tallies[table].deleted += 1;
            } catch (error) {
              if (!isReferenced(error)) throw error;
              await repository.retire(db, table, gone.id);
              tallies[table].retired += 1;
              report.retired.push(entry);
            }
          }
        }
      }
      report.durationMs = clock.now().getTime() - started;
      return report;
    },
  };
}

export type CatalogSync = ReturnType<typeof createCatalogSync>;
