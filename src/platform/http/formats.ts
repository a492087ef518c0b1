import { ValidationError } from '../errors.ts';

/** DRF's datetime format, which Open edX clients parse: seconds, UTC, `Z`. */
export const drfDate = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

/** DRF's message for a datetime it cannot read. */
export const INVALID_DATE_TIME =
  'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].';

/**
 * The moment an RFC 3339 date-time names, when JavaScript and PostgreSQL can both hold it: not a
 * leap second (JavaScript has none), and in years 1 to 9999 once in UTC. Undefined otherwise.
 */
export function storableDate(text: string): Date | undefined {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return undefined;
  const year = date.getUTCFullYear();
  return year >= 1 && year <= 9999 ? date : undefined;
}

/** `storableDate`, or a 400 naming `field` when the date-time cannot be stored. */
export function dateField(field: string, text: string): Date {
  const date = storableDate(text);
  if (!date) throw ValidationError.field(field, INVALID_DATE_TIME);
  return date;
}
