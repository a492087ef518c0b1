import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7, validate } from 'uuid';

/**
 * Random bytes for identifiers, drawn from the system's generator 4 kB at a time: drawing 16 bytes
 * for each identifier took ten times as long as the rest of making it (6.7 µs against 0.6 µs).
 */
const randomPool = new Uint8Array(4096);
let randomUsed = randomPool.length;

function sixteenRandomBytes(): Uint8Array {
  if (randomUsed === randomPool.length) {
    randomFillSync(randomPool);
    randomUsed = 0;
  }
  return randomPool.subarray(randomUsed, (randomUsed += 16));
}

/**
 * A new public identifier: UUIDv7, ordered by the millisecond it was made in, so fresh rows land
 * together in indexes. Within a millisecond the order is random: every identifier gets 73 fresh
 * random bits, so none can be guessed from another.
 */
export function newId(): string {
  return uuidv7({ random: sixteenRandomBytes() });
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
