/**
 * Copies one site's catalog from the catalog service: organizations, then courses (with their runs),
 * programs and pathways, so references always point at rows already copied. Unchanged items (same
 * content hash) are skipped; relations are rebuilt exactly. The changed items of a page are written in
 * one statement — all or nothing — and, should that fail, one at a time, so that a bad item is named
 * and left out without holding back the others (ADR 0006). Items gone upstream are reported, and
 * deleted only when asked; those something still references (credentials, grades, configurations,
 * records) are marked retired instead.
 */
import type { Clock } from '../../platform/clock.ts';
import { isStillReferenced } from '../../platform/db/errors.ts';
import type { Database } from '../../platform/db/database.ts';
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
import type { CatalogRepository, Hashed, SyncedTable, WriteCount } from './catalog.repository.ts';
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

type ItemOf<R extends CatalogResource> = {
  organizations: OrganizationItem;
  courses: CourseItem;
  programs: ProgramItem;
  pathways: PathwayItem;
}[R];

/** A page's changed items ready to write, the ones whose references could not be resolved, and how. */
interface PreparedPage {
  batch: Hashed<ParsedItem>[];
  failures: CatalogItemError[];
  write(batch: Hashed<ParsedItem>[]): Promise<void>;
}

/** Deleted children first, so a parent's rows are free to go after them. */
const DELETION_ORDER: SyncedTable[] = ['pathways', 'programs', 'course_runs', 'courses', 'organizations'];

const emptyTally = (): Tally => ({ created: 0, updated: 0, unchanged: 0, retired: 0, deleted: 0, failed: 0 });

function add(tally: Tally, count: WriteCount): void {
  tally.created += count.created;
  tally.updated += count.updated;
}

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

/** Resolves each item's references; an item whose references cannot be resolved is set aside. */
function prepare<T extends ParsedItem, R extends ParsedItem>(
  items: Hashed<T>[],
  resolveItem: (item: T) => R,
  write: (batch: Hashed<R>[]) => Promise<void>,
): PreparedPage {
  const batch: Hashed<R>[] = [];
  const failures: CatalogItemError[] = [];
  for (const { item, hash } of items) {
    try {
      batch.push({ item: resolveItem(item), hash });
    } catch (error) {
      if (!(error instanceof CatalogItemError)) throw error;
      failures.push(error);
    }
  }
  return { batch, failures, write: write as PreparedPage['write'] };
}

export interface CatalogSyncDeps {
  database: Database;
  repository: CatalogRepository;
  source: CatalogSource;
  clock: Clock;
}

export function createCatalogSync({ database, repository, source, clock }: CatalogSyncDeps) {
  const { db } = database;
  const lookup = (table: Parameters<CatalogRepository['idsByUuid']>[1], siteId: number, uuids: string[]) =>
    repository.idsByUuid(db, table, siteId, uuids);

  /** How each kind of item is written; references are looked up once for the page. */
  const writers: {
    [R in CatalogResource]: (
      siteId: number,
      items: Hashed<ItemOf<R>>[],
      tallies: SyncReport['tallies'],
    ) => Promise<PreparedPage>;
  } = {
    organizations: async (siteId, items, tallies) =>
      prepare(
        items,
        (item) => item,
        async (batch) => add(tallies.organizations, await repository.upsertOrganizations(db, siteId, batch)),
      ),

    courses: async (siteId, items, tallies) => {
      const orgs = await lookup(
        organizations,
        siteId,
        items.flatMap(({ item }) => item.ownerUuids),
      );
      return prepare(
        items,
        (item) => ({ ...item, ownerIds: resolve(orgs, item.ownerUuids, 'courses', item, 'organization') }),
        async (batch) => {
          const counts = await repository.upsertCourses(db, siteId, batch);
          add(tallies.courses, counts.courses);
          add(tallies.course_runs, counts.runs);
        },
      );
    },

    programs: async (siteId, items, tallies) => {
      const orgs = await lookup(
        organizations,
        siteId,
        items.flatMap(({ item }) => item.authoringOrganizationUuids),
      );
      const runs = await lookup(
        courseRuns,
        siteId,
        items.flatMap(({ item }) => item.courseRunUuids),
      );
      return prepare(
        items,
        (item) => ({
          ...item,
          runIds: resolve(runs, item.courseRunUuids, 'programs', item, 'course run'),
          organizationIds: resolve(orgs, item.authoringOrganizationUuids, 'programs', item, 'organization'),
        }),
        async (batch) => add(tallies.programs, await repository.upsertPrograms(db, siteId, batch)),
      );
    },

    pathways: async (siteId, items, tallies) => {
      const linked = await lookup(
        programs,
        siteId,
        items.flatMap(({ item }) => item.programUuids),
      );
      return prepare(
        items,
        (item) => ({ ...item, programIds: resolve(linked, item.programUuids, 'pathways', item, 'program') }),
        async (batch) => add(tallies.pathways, await repository.upsertPathways(db, siteId, batch)),
      );
    },
  };

  /** Writes the page in one statement; if that fails, item by item, naming the ones that fail. */
  async function writePage(page: PreparedPage, resource: CatalogResource, report: SyncReport): Promise<void> {
    const fail = (message: string) => {
      report.itemErrors.push(message);
      report.tallies[resource].failed += 1;
    };
    for (const failure of page.failures) fail(failure.message);
    if (page.batch.length === 0) return;
    try {
      await page.write(page.batch);
      return;
    } catch {
      // One item spoiled the statement: find it by writing them one at a time.
    }
    for (const entry of page.batch) {
      try {
        await page.write([entry]);
      } catch (error) {
        const reason = (error as { cause?: Error }).cause?.message ?? (error as Error).message;
        fail(`${resource.slice(0, -1)} ${describeItem(entry.item)}: could not be saved (${reason})`);
      }
    }
  }

  /** Removes (or, when still used, retires) what the complete listings no longer have. */
  async function handleGone(
    site: Site,
    seen: Record<SyncedTable, Set<string>>,
    options: SyncOptions,
    report: SyncReport,
  ) {
    for (const table of DELETION_ORDER) {
      for (const gone of await repository.missing(db, table, site.id, seen[table])) {
        const entry = { table, uuid: gone.uuid, label: gone.label };
        if (!options.delete) {
          report.pendingDeletions.push(entry);
          continue;
        }
        try {
          await db.transaction((tx) => repository.delete(tx, table, gone.id));
          report.tallies[table].deleted += 1;
        } catch (error) {
          if (!isStillReferenced(error)) throw error;
          await repository.retire(db, table, gone.id);
          report.tallies[table].retired += 1;
          report.retired.push(entry);
        }
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
      const seen = Object.fromEntries(DELETION_ORDER.map((table) => [table, new Set<string>()])) as Record<
        SyncedTable,
        Set<string>
      >;
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
            const stored = await repository.hashes(
              db,
              resource,
              site.id,
              items.map((item) => item.uuid),
            );
            const changed: Hashed<ParsedItem>[] = [];
            for (const item of items) {
              seen[resource].add(item.uuid);
              const runs = resource === 'courses' ? (item as CourseItem).runs : [];
              for (const run of runs) seen.course_runs.add(run.uuid);
              const hash = contentHash(item);
              if (stored.get(item.uuid) !== hash) {
                changed.push({ item, hash });
              } else {
                tallies[resource].unchanged += 1;
                tallies.course_runs.unchanged += runs.length;
              }
            }
            const writer = writers[resource] as (
              siteId: number,
              items: Hashed<ParsedItem>[],
              tallies: SyncReport['tallies'],
            ) => Promise<PreparedPage>;
            await writePage(await writer(site.id, changed, tallies), resource, report);
            done += page.results.length;
            options.onProgress?.({ resource, page: page.number, done, total: page.count });
          }
        }
        report.complete = true;
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        report.error = error.message;
      }

      if (report.complete && unidentified === 0) await handleGone(site, seen, options, report);
      report.durationMs = clock.now().getTime() - started;
      return report;
    },
  };
}

export type CatalogSync = ReturnType<typeof createCatalogSync>;
