import { describe, expect, it } from 'vitest';
import { OFF_SITE_NEXT_VALUES } from '../../../test/helpers/hostile-inputs.ts';
import { safeNext } from './safe-next.ts';

describe('safeNext', () => {
  it.each(OFF_SITE_NEXT_VALUES.map((value) => [JSON.stringify(value).slice(0, 60), value]))(
    'refuses %s',
    (_shown, value) => {
      expect(safeNext(value)).toBe('/');
    },
  );

  it.each([
    ['/', '/'],
    ['/records/', '/records/'],
    ['/credentials/abc/?share=1#top', '/credentials/abc/?share=1#top'],
    ['/a/../b/', '/b/'],
    ['/caf%C3%A9/', '/caf%C3%A9/'],
  ])('keeps the same-site path %s', (value, expected) => {
    expect(safeNext(value)).toBe(expected);
  });

  it('falls back for values that are not strings', () => {
    expect(safeNext(undefined)).toBe('/');
    expect(safeNext(['/a', '/b'])).toBe('/');
    expect(safeNext({ path: '/' }, '/home/')).toBe('/home/');
  });
});
