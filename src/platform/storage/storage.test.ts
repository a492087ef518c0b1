import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDiskStorage } from './storage.ts';

const key = (digit: string) => digit.repeat(64);
const DAY = 24 * 3600 * 1000;

describe('disk storage', () => {
  it('stores blobs by key, reads them back, and refuses keys that are not content hashes', async () => {
    const storage = createDiskStorage(mkdtempSync(join(tmpdir(), 'laurel-storage-')));
    await storage.put(key('a'), Buffer.from('first'));
    await storage.put(key('a'), Buffer.from('first'));
    expect((await storage.read(key('a')))?.toString()).toBe('first');
    expect(await storage.read(key('b'))).toBeUndefined();
    await expect(storage.read('../../etc/passwd')).rejects.toThrow('not a storage key');
  });

  it('leaves no temporary file behind when a write fails', async () => {
    const root = mkdtempSync(join(tmpdir(), 'laurel-storage-'));
    const storage = createDiskStorage(root);
    // A directory where the blob goes: the temporary file is written, and renaming it fails.
    await mkdir(join(root, 'ee', 'ee', key('e')), { recursive: true });
    await expect(storage.put(key('e'), Buffer.from('never stored'))).rejects.toThrow(/EISDIR/);
    expect(await readdir(join(root, 'ee', 'ee'))).toEqual([key('e')]);
  });

  it('sweeps blobs and abandoned temporary files written before a time, and nothing else', async () => {
    const root = mkdtempSync(join(tmpdir(), 'laurel-storage-'));
    const storage = createDiskStorage(root);
    const old = new Date(Date.now() - 40 * DAY);
    const pathOf = (k: string) => join(root, k.slice(0, 2), k.slice(2, 4), k);
    const age = (path: string) => utimesSync(path, old, old);

    await storage.put(key('a'), Buffer.from('old'));
    await storage.put(key('b'), Buffer.from('recent'));
    await storage.put(key('c'), Buffer.from('old, written again'));
    age(pathOf(key('a')));
    age(pathOf(key('c')));
    await storage.put(key('c'), Buffer.from('old, written again'));
    const abandoned = `${pathOf(key('d'))}.0123456789ab.tmp`;
    await mkdir(join(root, 'dd', 'dd'), { recursive: true });
    writeFileSync(abandoned, 'half');
    age(abandoned);
    const foreign = join(root, 'aa', 'aa', 'notes.txt');
    writeFileSync(foreign, 'not a blob');
    age(foreign);
    writeFileSync(join(root, 'README'), 'a file where a directory would be');

    expect(await storage.sweep(new Date(Date.now() - 30 * DAY))).toBe(2);
    expect(await storage.read(key('a'))).toBeUndefined();
    expect(existsSync(abandoned)).toBe(false);
    expect((await storage.read(key('b')))?.toString()).toBe('recent');
    expect((await storage.read(key('c')))?.toString()).toBe('old, written again');
    expect(existsSync(foreign)).toBe(true);
  });

  it('sweeps a store that has never been written to', async () => {
    const storage = createDiskStorage(join(tmpdir(), `laurel-storage-missing-${Date.now()}`));
    expect(await storage.sweep(new Date())).toBe(0);
  });
});
