import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OperationalError } from '../errors.ts';
import { openDatabase } from './database.ts';
import { lockDirectory } from './pglite-lock.ts';

describe('PGlite directory lock', () => {
  it('stops a second opener of the same directory with a clear message', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'laurel-lock-')), 'db');
    const first = await openDatabase(`pglite:${dir}`);
    try {
      const second = openDatabase(`pglite:${dir}`);
      await expect(second).rejects.toBeInstanceOf(OperationalError);
      await expect(second).rejects.toThrow(`in use by process ${process.pid}`);
      await first.ping();
    } finally {
      await first.close();
    }
    expect(existsSync(`${dir}.lock`)).toBe(false);
    const again = await openDatabase(`pglite:${dir}`);
    await again.close();
  });

  it('takes over a lock left by a process that no longer runs', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'laurel-lock-')), 'db');
    const child = spawn(process.execPath, ['-e', '0']);
    await once(child, 'exit');
    writeFileSync(`${dir}.lock`, `${child.pid} ${hostname()}\n`);
    const lock = lockDirectory(dir);
    lock.release();
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it('does not take over a lock held by a live process', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'laurel-lock-')), 'db');
    writeFileSync(`${dir}.lock`, `${process.ppid} ${hostname()}\n`);
    expect(() => lockDirectory(dir)).toThrow(`in use by process ${process.ppid}`);
  });

  it("leaves another holder's lock alone on release", () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'laurel-lock-')), 'db');
    const lock = lockDirectory(dir);
    writeFileSync(`${dir}.lock`, `${process.ppid} ${hostname()}\n`);
    lock.release();
    expect(existsSync(`${dir}.lock`)).toBe(true);
  });
});
