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
