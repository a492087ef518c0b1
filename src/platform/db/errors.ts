/** The PostgreSQL error code of a failed query, whether the driver threw it or Drizzle wrapped it. */
function codeOf(error: unknown): string | undefined {
  const { code, cause } = error as { code?: string; cause?: { code?: string } };
  return cause?.code ?? code;
}

/** A deadlock (40P01) or serialization failure (40001): rolled back, and worth trying again as it was. */
export const isTransientConflict = (error: unknown) => ['40P01', '40001'].includes(codeOf(error) ?? '');

/** A unique constraint refused the write (23505). */
export const isUniqueViolation = (error: unknown) => codeOf(error) === '23505';

/** A row refers to one that is not there (23503): deleted since the writer looked it up. */
export const isMissingReference = (error: unknown) => codeOf(error) === '23503';

/**
 * A foreign key kept a referenced row from being deleted: 23503, or 23001 (restrict_violation), which
 * PostgreSQL 17 (PGlite) reports for ON DELETE RESTRICT.
 */
export const isStillReferenced = (error: unknown) => ['23503', '23001'].includes(codeOf(error) ?? '');

/**
 * SQLSTATE classes worth writing a failed batch's changes again one by one for: errors one change can
 * cause (cardinality violation 21, data exception 22, integrity constraint violation 23, program
 * limit exceeded 54, such as a row too large), and transient ones that another try may not meet
 * (transaction rollback 40: deadlocks, serialization failures).
 */
const RETRY_ONE_BY_ONE_CLASSES: ReadonlySet<string> = new Set(['21', '22', '23', '40', '54']);

/**
 * Whether a write of many changes that failed may succeed for some of them if each is written on its
 * own. Otherwise it failed for all of them alike (the connection lost, the server shutting down or
 * read-only, the schema not what the code expects), and each would only meet the failure again.
 */
export const worthRetryingOneByOne = (error: unknown) =>
  RETRY_ONE_BY_ONE_CLASSES.has(codeOf(error)?.slice(0, 2) ?? '');
