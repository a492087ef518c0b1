import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './passwords.ts';

const PASSWORD = 'correct horse battery staple';

describe('password hashes', () => {
  let hash: string;

  beforeAll(async () => {
    hash = await hashPassword(PASSWORD);
  });

  it('does not contain the password', () => {
    expect(hash).not.toBe(PASSWORD);
    expect(hash).not.toContain(PASSWORD);
    expect(hash).not.toContain(Buffer.from(PASSWORD).toString('base64url'));
  });

  it('records the scheme and its parameters', () => {
    const parts = hash.split('$');
    expect(parts).toHaveLength(6);
    expect(parts.slice(0, 4)).toEqual(['scrypt', String(2 ** 15), '8', '1']);
    expect(Buffer.from(parts[4] ?? '', 'base64url')).toHaveLength(16);
    expect(Buffer.from(parts[5] ?? '', 'base64url')).toHaveLength(32);
  });

  it('verifies the right password', async () => {
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
  });

  it.each([
    'wrong password',
    '',
    'correct horse battery stapl',
    'Correct horse battery staple',
    `${PASSWORD} `,
  ])('rejects the wrong password %j', async (attempt) => {
    expect(await verifyPassword(attempt, hash)).toBe(false);
  });

  it('salts each hash: two hashes of one password differ and both verify', async () => {
    const again = await hashPassword(PASSWORD);
    expect(again).not.toBe(hash);
    expect(again.split('$')[4]).not.toBe(hash.split('$')[4]);
    expect(await verifyPassword(PASSWORD, again)).toBe(true);
  });

  it('rejects a hash whose derived key was altered', async () => {
    const parts = hash.split('$');
    const key = Buffer.from(parts[5] ?? '', 'base64url');
    key[0] = (key[0] ?? 0) ^ 1;
    const tampered = [...parts.slice(0, 5), key.toString('base64url')].join('$');
    expect(await verifyPassword(PASSWORD, tampered)).toBe(false);
  });

  it('rejects a hash with a truncated key', async () => {
    const parts = hash.split('$');
    const truncated = [...parts.slice(0, 5), (parts[5] ?? '').slice(0, 20)].join('$');
    expect(await verifyPassword(PASSWORD, truncated)).toBe(false);
  });

  describe('malformed stored strings', () => {
    const parts = () => hash.split('$');
    const cases: [string, () => string][] = [
      ['an empty string', () => ''],
      ['plain text', () => PASSWORD],
      ['another scheme', () => ['bcrypt', ...parts().slice(1)].join('$')],
      ['missing fields', () => parts().slice(0, 4).join('$')],
      ['an empty salt', () => [...parts().slice(0, 4), '', parts()[5]].join('$')],
      ['a non-numeric cost', () => ['scrypt', 'abc', ...parts().slice(2)].join('$')],
      ['a cost that is not a power of two', () => ['scrypt', '3', ...parts().slice(2)].join('$')],
      ['a cost beyond the memory limit', () => ['scrypt', String(2 ** 30), ...parts().slice(2)].join('$')],
    ];

    it.each(cases)('gives false, without throwing, for %s', async (_name, stored) => {
      await expect(verifyPassword(PASSWORD, stored())).resolves.toBe(false);
    });
  });

  it('normalises Unicode (NFKC) so equivalent forms verify', async () => {
    const composed = 'caf\u00e9-pa\u00df-\u212b-secret';
    const decomposed = 'cafe\u0301-pa\u00df-A\u030a-secret';
    const compatibility = 'caf\u00e9-pa\u00df-\u212b-\uff53\uff45\uff43\uff52\uff45\uff54';
    expect(composed).not.toBe(decomposed);
    const stored = await hashPassword(composed);
    expect(await verifyPassword(composed, stored)).toBe(true);
    expect(await verifyPassword(decomposed, stored)).toBe(true);
    expect(await verifyPassword(compatibility, stored)).toBe(true);
    expect(await verifyPassword(composed.normalize('NFD'), stored)).toBe(true);
    expect(await verifyPassword('cafe-pass-A-secret', stored)).toBe(false);
  });

  it('verifies a hash made from a decomposed form with the composed form', async () => {
    const stored = await hashPassword('Se\u0301ance');
    expect(await verifyPassword('S\u00e9ance', stored)).toBe(true);
  });
});
