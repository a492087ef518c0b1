import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { OperationalError } from '../errors.ts';

/**
 * PGlite is single-process: two processes writing one data directory corrupt it. The lock is a file
 * beside the directory holding the owner's pid. A lock left by a process that no longer runs (after a
 * crash or SIGKILL) is taken over; a live owner makes the second opener fail with a clear message.
 */
export interface DirectoryLock {
  release(): void;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): { pid: number; host: string } | null {
  try {
    const [pid, host] = readFileSync(path, 'utf8').trim().split(' ');
    return pid && /^\d+$/.test(pid) ? { pid: Number(pid), host: host ?? '' } : null;
  } catch {
    return null;
  }
}

export function lockDirectory(dir: string): DirectoryLock {
  const path = `${dir}.lock`;
  const stamp = `${process.pid} ${hostname()}\n`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, stamp);
      closeSync(fd);
      return {
        release() {
          if (readFileSync(path, 'utf8') === stamp) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(path);
      const sameHost = owner?.host === hostname();
      if (owner && (!sameHost || isRunning(owner.pid))) {
        throw new OperationalError(
          `The database directory ${dir} is in use by process ${owner.pid}${sameHost ? '' : ` on ${owner.host}`} ` +
            '(a running Laurel server?). PGlite allows one process at a time: stop that process first, ' +
            `or use PostgreSQL (DATABASE_URL=postgres://…) to share a database. Lock file: ${path}`,
        );
      }
      // The owner is gone (crash, SIGKILL): the lock is stale.
      try {
        unlinkSync(path);
      } catch (unlinkError) {
        if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
      }
    }
  }
  throw new OperationalError(`Could not take the lock ${path}; another process keeps creating it.`);
}
