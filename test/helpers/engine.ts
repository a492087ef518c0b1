/** Which database engine this test run uses: PGlite unless TEST_DATABASE_URL names a PostgreSQL server. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL;
export const onPostgres = Boolean(TEST_DATABASE_URL);

/** The database the template is built in; each test database is a copy of it. */
export const TEMPLATE_DATABASE = 'laurel_test_template';

/** Where the migrated PGlite template dump is written. */
export const PGLITE_TEMPLATE_PATH = new URL(
  '../../node_modules/.cache/laurel-test/pglite-template.tar.gz',
  import.meta.url,
);

/** The URL of another database on the same PostgreSQL server. */
export function postgresUrlFor(database: string): string {
  const url = new URL(TEST_DATABASE_URL ?? '');
  url.pathname = `/${database}`;
  return url.toString();
}
