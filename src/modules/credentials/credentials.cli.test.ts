import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeCatalog, startFakeCatalog } from '../../../test/fake-upstream/catalog.ts';
import { useFreshDatabaseEnv } from '../../../test/helpers/fresh-database-url.ts';
import { runCli } from '../../../test/helpers/processes.ts';
import { openDatabase } from '../../platform/db/database.ts';

describe('laurel credentials import', () => {
  const fresh = useFreshDatabaseEnv();
  let catalog: FakeCatalog;
  let csv: string;

  beforeAll(async () => {
    catalog = await startFakeCatalog();
    const run = catalog.data.courses[0]!.course_runs[0]!.key;
    csv = join(mkdtempSync(join(tmpdir(), 'laurel-import-')), 'credentials.csv');
    writeFileSync(
      csv,
      [
        'username,course_run_key,mode,status,attr:reason',
        `alice,${run},verified,awarded,passed`,
        `bob,course-v1:No+Such+Run,verified,awarded,`,
        `carol,${run},verified,pending,`,
        `"dave",${run},verified,revoked,"late, but fine"`,
        `erin,${run},verified,awarded,"no\u0000good"`,
      ].join('\n'),
    );
  });
  afterAll(() => catalog?.stop());

  const credentialCount = async () => {
    const database = await openDatabase(fresh.env.DATABASE_URL ?? '');
    try {
      const result = await database.db.execute(sql`select count(*)::int as n from user_credentials`);
      return (result as unknown as { rows: { n: number }[] }).rows[0]?.n;
    } finally {
      await database.close();
    }
  };

  it('checks every row in a dry run, names the refused ones, and writes nothing', async () => {
    expect(
      (
        await runCli(
          ['sites', 'update', '--domain', 'localhost', '--catalog-api-url', catalog.apiUrl],
          fresh.env,
        )
      ).code,
    ).toBe(0);
    expect((await runCli(['catalog', 'sync'], fresh.env)).code).toBe(0);
    const result = await runCli(['credentials', 'import', csv, '--dry-run'], fresh.env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('2 of 5 rows would be written; 3 refused.');
    expect(result.stderr).toContain('line 3: credential.course_run_key: Course run course-v1:No+Such+Run');
    expect(result.stderr).toContain('line 4: status: Must be awarded or revoked.');
    expect(result.stderr).toContain('line 6: attr:reason: Null characters are not allowed.');
    expect(await credentialCount()).toBe(0);
  });

  it('refuses a row with the wrong number of fields on its own, naming its line', async () => {
    const ragged = join(mkdtempSync(join(tmpdir(), 'laurel-import-')), 'ragged.csv');
    const run = catalog.data.courses[0]!.course_runs[0]!.key;
    // Lines as in the file: an empty line, and a quoted field over lines 4 and 5, come before row.three.
    writeFileSync(
      ragged,
      `username,course_run_key,mode,attr:note\nrow.one,${run},verified\n\nrow.two,${run},verified,"two\nlines"\nrow.three,${run},verified,x,extra\n`,
    );
    const result = await runCli(['credentials', 'import', ragged, '--dry-run'], fresh.env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('1 of 3 rows would be written; 2 refused.');
    expect(result.stderr).toContain("line 2: row: The row has not the header's 4 fields.");
    expect(result.stderr).toContain("line 6: row: The row has not the header's 4 fields.");
  });

  it('writes the good rows through the API write path and reports the rest', async () => {
    const result = await runCli(['credentials', 'import', csv], fresh.env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('2 of 5 rows written; 3 refused.');
    expect(await credentialCount()).toBe(2);
  });

  it('reconciles program completion from the command line', async () => {
    const result = await runCli(['programs', 'reconcile'], fresh.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Checked \d+ learner-program pairs: 0 disagree\.$/m);
    const notAUuid = await runCli(['programs', 'reconcile', '--program', 'not-a-uuid'], fresh.env);
    expect(notAUuid.code).toBe(2);
    expect(notAUuid.stderr).toBe('Invalid input:\n  program: Must be a program UUID.\n');
  });

  it('refuses a file with unknown, repeated or unnamed columns, or that is not CSV', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'laurel-import-')), 'bad.csv');
    const headers: [string, string][] = [
      ['username,colour', 'Unknown columns: colour.'],
      ['username,mode,mode', 'Columns given twice: mode.'],
      ['username,attr:', 'Attribute columns need a name of 1 to 255 characters after "attr:".'],
      [`username,attr:${'n'.repeat(256)}`, 'Attribute columns need a name of 1 to 255'],
    ];
    for (const [header, message] of headers) {
      writeFileSync(bad, `${header}\nalice,x,y\n`);
      const refused = await runCli(['credentials', 'import', bad, '--dry-run'], fresh.env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(message);
    }
    const before = await credentialCount();
    writeFileSync(bad, `username,attr:${'n'.repeat(256)}\nalice,1\n`);
    expect((await runCli(['credentials', 'import', bad], fresh.env)).code).toBe(2);
    expect(await credentialCount()).toBe(before);
    const missing = await runCli(['credentials', 'import', '/nonexistent.csv'], fresh.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Cannot read /nonexistent.csv');
  });
});
