import { v7 as uuidv7, validate } from 'uuid';

/** A new public identifier: UUIDv7, time-ordered so fresh rows land together in indexes. */
export function newId(): string {
  return uuidv7();
}

/** Accepts a UUID with or without dashes, any case; returns the canonical dashed lower-case form or null. */
export function parseUuid(value: string): string | null {
  const compact = value.trim().toLowerCase().replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/.test(compact)) return null;
  const dashed = `${compact.slice(0, 8)}-${compact.slice(8, 12)}-${compact.slice(12, 16)}-${compact.slice(16, 20)}-${compact.slice(20)}`;
  return validate(dashed) ? dashed : null;
}

/** The 32-hex form Open edX uses in certificate URLs. */
export function uuidHex(uuid: string): string {
  return uuid.replace(/-/g, '');
}
