import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSecretKey } from './secret-key.ts';

describe('resolveSecretKey', () => {
  let root: string;
  let count = 0;
  /** A fresh data directory path inside the test's temporary root (not created yet). */
  const dataDir = () => join(root, `data-${(count += 1)}`);

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'laurel-secret-key-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('returns the configured key and writes nothing', () => {
    const dir = dataDir();
    const configured = 'c'.repeat(40);
    expect(resolveSecretKey(configured, dir)).toBe(configured);
    expect(existsSync(dir)).toBe(false);
  });

  it('prefers the configured key over a stored one', () => {
    const dir = dataDir();
    const stored = resolveSecretKey(undefined, dir);
    const configured = 'c'.repeat(40);
    expect(resolveSecretKey(configured, dir)).toBe(configured);
    expect(readFileSync(join(dir, 'secret_key'), 'utf8').trim()).toBe(stored);
  });

  it('generates a key into DATA_DIR/secret_key, readable only by its owner', () => {
    const dir = dataDir();
    const key = resolveSecretKey(undefined, dir);
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect(key).toMatch(/^[A-Za-z0-9_-]+$/);
    const path = join(dir, 'secret_key');
    expect(readFileSync(path, 'utf8').trim()).toBe(key);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('treats an empty configured key as unset', () => {
    const dir = dataDir();
    const key = resolveSecretKey('', dir);
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(dir, 'secret_key'), 'utf8').trim()).toBe(key);
  });

  it('returns the same key on the next call', () => {
    const dir = dataDir();
    const first = resolveSecretKey(undefined, dir);
    expect(resolveSecretKey(undefined, dir)).toBe(first);
    expect(resolveSecretKey(undefined, dir)).toBe(first);
  });

  it('generates different keys for different data directories', () => {
    expect(resolveSecretKey(undefined, dataDir())).not.toBe(resolveSecretKey(undefined, dataDir()));
  });

  it('uses a key stored by an operator, ignoring surrounding whitespace', () => {
    const dir = dataDir();
    mkdirSync(dir);
    const stored = 's'.repeat(32);
    writeFileSync(join(dir, 'secret_key'), `\n  ${stored}  \n`);
    expect(resolveSecretKey(undefined, dir)).toBe(stored);
    expect(readFileSync(join(dir, 'secret_key'), 'utf8')).toBe(`\n  ${stored}  \n`);
  });

  it('replaces a stored key shorter than 32 characters with a new one, kept at mode 0600', () => {
    const dir = dataDir();
    mkdirSync(dir);
    const path = join(dir, 'secret_key');
    writeFileSync(path, 'too-short\n', { mode: 0o644 });
    const key = resolveSecretKey(undefined, dir);
    expect(key).not.toBe('too-short');
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(path, 'utf8').trim()).toBe(key);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(resolveSecretKey(undefined, dir)).toBe(key);
  });
});
