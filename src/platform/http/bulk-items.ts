import type { ValidationError } from '../errors.ts';
import { validationErrorFrom } from './error-handler.ts';
import { unstorableText } from './storable-text.ts';
import type { bodyItemValidator } from './validators.ts';

/**
 * Why one item of a bulk request is refused, as its single request would be: its schema, then text
 * PostgreSQL cannot store (bulk routes check their own text, see storable-text.ts); null when it passes.
 * The item is coerced in place as its single request's body would be.
 */
export function itemError(
  validate: ReturnType<typeof bodyItemValidator>,
  item: unknown,
): ValidationError | null {
  if (!validate(item)) return validationErrorFrom(validate.errors as never, 'body');
  return unstorableText(item);
}
