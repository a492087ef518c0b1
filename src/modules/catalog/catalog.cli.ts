import type { Command } from 'commander';
import type { CliContext } from '../../cli/context.ts';
import { printTable } from '../../cli/output.ts';
import { OperationalError } from '../../platform/errors.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';
import type { SyncProgress, SyncReport } from './catalog-sync.ts';

type Run = <T>(command: (context: CliContext) => Promise<T>) => Promise<T>;

/** Exit codes: 0 done; 1 the catalog service failed or items could not be copied; 3 deletions wait for --delete. */
export const EXIT_PENDING_DELETIONS = 3;
const SHOWN_ITEMS = 50;

function progressPrinter(): ((progress: SyncProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return ({ resource, page, done, total }) => {
    process.stderr.write(`\r\x1b[2K${resource}: page ${page}, ${done} of ${total}`);
  };
}

function printReport(report: SyncReport): number {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
  console.log(
    `Catalog of ${report.site}: ${report.complete ? 'copied' : 'stopped early'} in ${(report.durationMs / 1000).toFixed(1)} s`,
  );
  printTable(
    Object.entries(report.tallies).map(([table, tally]) => ({
      '': table.replace('_', ' '),
      created: String(tally.created),
      updated: String(tally.updated),
      unchanged: String(tally.unchanged),
      retired: String(tally.retired),
      deleted: String(tally.deleted),
      failed: String(tally.failed),
    })),
  );
  const list = (title: string, lines: string[]) => {
    if (lines.length === 0) return;
    console.error(`\n${title}:`);
    for (const line of lines.slice(0, SHOWN_ITEMS)) console.error(`  ${line}`);
    if (lines.length > SHOWN_ITEMS) console.error(`  … and ${lines.length - SHOWN_ITEMS} more`);
  };
  list(
    'Kept but marked retired (still used here)',
    report.retired.map((item) => `${item.table}: ${item.label} (${item.uuid})`),
  );
  list('Items not copied', report.itemErrors);
  if (report.error)
    console.error(`\nThe sync stopped: ${report.error} What was copied before is kept; run it again.`);
  if (report.error || report.itemErrors.length > 0) return 1;
  if (report.pendingDeletions.length > 0) {
    list(
      'Gone from the catalog service (run again with --delete to remove them)',
      report.pendingDeletions.map((item) => `${item.table}: ${item.label} (${item.uuid})`),
    );
    return EXIT_PENDING_DELETIONS;
  }
  return 0;
}

export function registerCatalogCommands(program: Command, run: Run): void {
  const catalog = program
    .command('catalog')
    .description("Copy of the course catalog from each site's catalog service");

  catalog
    .command('sync')
    .description('Copy organizations, courses and runs, programs and pathways from the catalog service')
    .option('--site <domain>', 'Only this site (default: every site with a catalog API URL)')
    .option(
      '--delete',
      'Delete what the catalog service no longer has (what is still used is marked retired)',
    )
    .option('--page-size <n>', 'Items per page asked of the catalog service', (value) => Number(value))
    .action(async (options: { site?: string; delete?: boolean; pageSize?: number }) => {
      const exitCode = await run(async ({ services }) => {
        const sites = options.site
          ? [await services.sites.getByDomain(options.site)]
          : await services.catalog.syncableSites();
        if (sites.length === 0)
          throw new OperationalError(
            'No site has a catalog API URL: set one with `laurel sites update --catalog-api-url`.',
          );
        let worst = 0;
        for (const site of sites) {
          const report = await services.catalog.syncSite(
            site,
            { delete: options.delete ?? false, pageSize: options.pageSize, onProgress: progressPrinter() },
            CLI_ACTOR,
          );
          worst = Math.max(worst, printReport(report));
        }
        return worst;
      });
      process.exitCode = exitCode;
    });
}
