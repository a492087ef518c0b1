import { describe, expect, it } from 'vitest';
import { newId, parseUuid, uuidHex } from './ids.ts';

describe('identifiers', () => {
  it('are version 7 UUIDs carrying the time they were made, all different', () => {
    const before = Date.now();
    // Many times the random bytes drawn at once, so the draw is renewed along the way.
    const ids = Array.from({ length: 5000 }, newId);
    const after = Date.now();
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const millis = Number.parseInt(uuidHex(id).slice(0, 12), 16);
      expect(millis).toBeGreaterThanOrEqual(before);
      expect(millis).toBeLessThanOrEqual(after);
    }
  });

  it('differ in their random bits even when made in the same millisecond', () => {
    const millisecondOf = (id: string) => uuidHex(id).slice(0, 12);
    let [first, second] = [newId(), newId()];
    while (millisecondOf(first) !== millisecondOf(second)) [first, second] = [second, newId()];
    const [a, b] = [first, second].map((id) => BigInt(`0x${uuidHex(id).slice(12)}`));
    // Two draws agreeing on all but a few of their 73 random bits would mean the bits are not random.
    const differing = (a! ^ b!).toString(2).replace(/0/g, '').length;
    expect(differing).toBeGreaterThan(10);
  });

  it('are read with or without dashes, in any case', () => {
    const id = newId();
    expect(parseUuid(uuidHex(id).toUpperCase())).toBe(id);
    expect(parseUuid(` ${id} `)).toBe(id);
    expect(parseUuid('not-a-uuid')).toBeNull();
  });
});
