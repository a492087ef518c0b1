/** The PostgreSQL error code of a failed query, whether the driver threw it or Drizzle wrapped it. */
function codeOf(error: unknown): string | undefined {
  const { code, cause } = error as { code?: string; cause?: { code?: string } };
  return cause?.code ?? code;
}

/** A unique constraint refused the write (23505). */
export const isUniqueViolation = (error: unknown) => codeOf(error) === '23505';

/**
 * A foreign key kept a referenced row from being deleted: 23503, or 23001 (restrict_violation), which
 * PostgreSQL 17 (PGlite) reports for ON DELETE RESTRICT.
 */
export const isStillReferenced = (error: unknown) => ['23503', '23001'].includes(codeOf(error) ?? '');

/**
 * SQLSTATE classes of errors a single row can cause: cardinality violation (21), data exception (22),
 * integrity constraint violation (23), transaction rollback such as a deadlock (40), program limit
 * exceeded such as a row too large (54).
 */
const ROW_ERROR_CLASSES: ReadonlySet<string> = new Set(['21', '22', '23', '40', '54']);

/**
 * Whether a write of many rows may have failed because of one of them, so that the others could be
 * written without it. Otherwise it failed for all of them alike: the connection was lost, the server
 * is shutting down, the schema is not what the code expects.
 */
export const mayBeCausedByARow = (error: unknown) => ROW_ERROR_CLASSES.has(codeOf(error)?.slice(0, 2) ?? '');
