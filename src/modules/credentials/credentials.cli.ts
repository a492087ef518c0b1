import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import type { CliContext } from '../../cli/context.ts';
import { OperationalError, ValidationError } from '../../platform/errors.ts';
import { storableDate } from '../../platform/http/formats.ts';
import { unstorableText } from '../../platform/http/storable-text.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';
import { LMS_USER_ID_MAX } from '../users/users.schema.ts';
import type { CredentialStatus, IssueRequest } from './credentials.service.ts';

type Run = <T>(command: (context: CliContext) => Promise<T>) => Promise<T>;

const COLUMNS = [
  'username',
  'program_uuid',
  'course_run_key',
  'mode',
  'status',
  'date_override',
  'lms_user_id',
];
const ATTRIBUTE_PREFIX = 'attr:';
/** As the API allows: attribute names of 1 to 255 characters. */
const ATTRIBUTE_NAME_MAX = 255;
const MAX_ROWS = 100_000;

/** A data row of the file: its fields by column, its (last) line, and why its shape is wrong. */
interface CsvRow {
  record: Record<string, string>;
  line: number;
  ragged?: string;
}

/** What is wrong with a header row, or undefined. */
function headerProblem(header: string[]): string | undefined {
  const unknown = header.filter(
    (column) => !COLUMNS.includes(column) && !column.startsWith(ATTRIBUTE_PREFIX),
  );
  if (unknown.length > 0) return `Unknown columns: ${unknown.join(', ')}.`;
  const twice = header.filter((column, i) => header.indexOf(column) !== i);
  if (twice.length > 0) return `Columns given twice: ${[...new Set(twice)].join(', ')}.`;
  const badNames = header.filter((column) => {
    const name = column.slice(ATTRIBUTE_PREFIX.length);
    return column.startsWith(ATTRIBUTE_PREFIX) && (name.length === 0 || name.length > ATTRIBUTE_NAME_MAX);
  });
  if (badNames.length > 0)
    return `Attribute columns need a name of 1 to ${ATTRIBUTE_NAME_MAX} characters after "${ATTRIBUTE_PREFIX}".`;
  return undefined;
}

/** A CSV row as an issue request; problems are thrown as field errors, as the API reports them. */
function requestOf(row: Record<string, string>): IssueRequest {
  const errors: Record<string, string[]> = {};
  const status = (row.status || 'awarded') as CredentialStatus;
  if (status !== 'awarded' && status !== 'revoked') errors.status = ['Must be awarded or revoked.'];
  const unstorable = unstorableText(row);
  if (unstorable) throw unstorable;
  const dateOverride = row.date_override ? (storableDate(row.date_override) ?? null) : null;
  if (row.date_override && !dateOverride)
    errors.date_override = ['Must be a date and time, e.g. 2026-06-01T00:00:00Z.'];
  const lmsUserId = row.lms_user_id ? Number(row.lms_user_id) : undefined;
  if (
    lmsUserId !== undefined &&
    (!Number.isSafeInteger(lmsUserId) || lmsUserId < 1 || lmsUserId > LMS_USER_ID_MAX)
  )
    errors.lms_user_id = [`Must be a whole number from 1 to ${LMS_USER_ID_MAX}.`];
  const attributes = Object.entries(row)
    .filter(([column, value]) => column.startsWith(ATTRIBUTE_PREFIX) && value !== '')
    .map(([column, value]) => ({ name: column.slice(ATTRIBUTE_PREFIX.length), value }));
  if (attributes.some((attribute) => attribute.value.length > 255))
    errors.attributes = ['Values may be 255 characters at most.'];
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return {
    username: row.username ?? '',
    lmsUserId,
    credential: {
      programUuid: row.program_uuid || undefined,
      courseRunKey: row.course_run_key || undefined,
      mode: row.mode || undefined,
    },
    status,
    attributes,
    dateOverride,
  };
}

const describeErrors = (fields: ValidationError['fields']) =>
  Object.entries(fields)
    .map(([field, messages]) =>
      Array.isArray(messages)
        ? `${field}: ${messages.join(' ')}`
        : Object.entries(messages)
            .map(([sub, list]) => `${field}.${sub}: ${list.join(' ')}`)
            .join('; '),
    )
    .join('; ');

/** Rows written per transaction by an import. */
const IMPORT_CHUNK = 500;

export function registerCredentialsCommands(program: Command, run: Run): void {
  const credentials = program.command('credentials').description('Awarded credentials');

  credentials
    .command('import')
    .description(
      `Award or revoke credentials from a CSV file with a header row: ${COLUMNS.join(', ')}, and ${ATTRIBUTE_PREFIX}<name> columns ` +
        'for attributes. Each row goes through the same write path as the API.',
    )
    .argument('<file>', 'The CSV file')
    .option('--site <domain>', 'The site to award on (default: the site of PUBLIC_URL)')
    .option('--dry-run', 'Check every row and report, writing nothing')
    .action(async (file: string, options: { site?: string; dryRun?: boolean }) => {
      let rows: CsvRow[];
      let header: string[] = [];
      try {
        rows = parse(readFileSync(file), {
          columns: (names: string[]) => (header = names),
          skip_empty_lines: true,
          trim: true,
          bom: true,
          to: MAX_ROWS + 1,
          // A row with too few or too many fields is refused on its own, not the whole file.
          relax_column_count: true,
          on_record: (record: Record<string, string>, context): CsvRow => ({
            record,
            line: context.lines,
            ragged: context.error ? `has not the header's ${header.length} fields` : undefined,
          }),
        });
      } catch (error) {
        throw new OperationalError(`Cannot read ${file} as CSV: ${(error as Error).message}`);
      }
      if (rows.length > MAX_ROWS)
        throw new OperationalError(`${file} has more than ${MAX_ROWS} rows: split it.`);
      const problem = headerProblem(header);
      if (problem) throw ValidationError.field('columns', problem);

      const failures = await run(async ({ config, services }) => {
        const site = await services.sites.getByDomain(options.site ?? new URL(config.publicUrl).hostname);
        const failed: string[] = [];
        // Rows are written a chunk at a time through the set-based write path (as bulk requests are).
        for (let start = 0; start < rows.length; start += IMPORT_CHUNK) {
          const chunk = rows.slice(start, start + IMPORT_CHUNK);
          const parsed = chunk.map(({ record, ragged }) => {
            if (ragged) return ValidationError.field('row', `The row ${ragged}.`);
            try {
              return requestOf(record);
            } catch (error) {
              if (error instanceof ValidationError) return error;
              throw error;
            }
          });
          const wellFormed = parsed.filter(
            (item): item is IssueRequest => !(item instanceof ValidationError),
          );
          const outcomes: (Error | object | null)[] = [];
          if (options.dryRun) {
            for (const request of wellFormed) {
              outcomes.push(
                await services.credentials.check(site, request).then(
                  () => null,
                  (error: unknown) => {
                    if (error instanceof ValidationError) return error;
                    throw error;
                  },
                ),
              );
            }
          } else {
            outcomes.push(
              ...(await services.credentials.issueMany(
                site,
                wellFormed.map((request) => ({ request, actor: CLI_ACTOR })),
              )),
            );
          }
          let next = 0;
          for (const [offset, item] of parsed.entries()) {
            const outcome = item instanceof ValidationError ? item : outcomes[next++];
            if (outcome instanceof ValidationError)
              failed.push(`line ${chunk[offset]?.line}: ${describeErrors(outcome.fields)}`);
            else if (outcome instanceof Error) throw outcome;
          }
          if (process.stderr.isTTY) {
            const done = Math.min(start + IMPORT_CHUNK, rows.length);
            process.stderr.write(`\r\x1b[2K${done} of ${rows.length} rows`);
          }
        }
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
        return failed;
      });
      const verb = options.dryRun ? 'would be written' : 'written';
      console.log(
        `${rows.length - failures.length} of ${rows.length} rows ${verb}; ${failures.length} refused.`,
      );
      for (const failure of failures) console.error(`  ${failure}`);
      if (failures.length > 0) process.exitCode = 1;
    });

  program
    .command('programs')
    .description('Program credentials')
    .command('reconcile')
    .description(
      'Recompute program completion from course credentials and report (or repair) program credentials that disagree',
    )
    .option('--site <domain>', 'The site (default: the site of PUBLIC_URL)')
    .option('--program <uuid>', 'Only this program')
    .option('--user <username>', 'Only this learner')
    .option('--fix', 'Award or revoke through the usual write path, recording history and audit')
    .action(async (options: { site?: string; program?: string; user?: string; fix?: boolean }) => {
      const report = await run(async ({ config, services }) => {
        const site = await services.sites.getByDomain(options.site ?? new URL(config.publicUrl).hostname);
        return services.credentials.reconcile(
          site,
          { programUuid: options.program, username: options.user },
          options.fix ?? false,
        );
      });
      console.log(
        `Checked ${report.checked} learner-program pairs: ${report.drift.length} disagree${options.fix ? `, ${report.fixed} repaired` : ''}.`,
      );
      for (const item of report.drift) {
        console.log(
          `  ${item.username}, program ${item.program}: should be ${item.change === 'award' ? 'awarded' : 'revoked'}`,
        );
      }
      if (report.drift.length > 0 && !options.fix) process.exitCode = 1;
    });
}
