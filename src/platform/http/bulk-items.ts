import type { ValidationError } from '../errors.ts';
import { validationErrorFrom } from './error-handler.ts';
import { unstorableText } from './storable-text.ts';

/** A schema compiled once (typebox/compile), for the items of a bulk request. */
interface ItemValidator {
  Check(value: unknown): boolean;
  Errors(value: unknown): unknown;
}

/**
 * Why one item of a bulk request is refused, as its single request would be: its schema, then text
 * PostgreSQL cannot store (bulk routes check their own text, see storable-text.ts); null when it passes.
 */
export function itemError(validator: ItemValidator, item: unknown): ValidationError | null {
  if (!validator.Check(item)) return validationErrorFrom(validator.Errors(item) as never, 'body');
  return unstorableText(item);
}
