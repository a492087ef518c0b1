import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Immutable blobs by key (a content hash): written once, read many times. */
export interface BlobStorage {
  /** Stores the bytes under the key; storing the same key again is harmless. */
  put(key: string, bytes: Buffer): Promise<void>;
  /** The bytes under the key, or undefined when there are none. */
  read(key: string): Promise<Buffer | undefined>;
  /**
   * Deletes the blobs last written before `writtenBefore`, and temporary files left that long by a
   * write that never finished; answers how many files it deleted.
   */
  sweep(writtenBefore: Date): Promise<number>;
}

const KEY = /^[0-9a-f]{64}$/;
/** What the store writes: a blob, or a blob being written under a temporary name. */
const STORED_FILE = /^[0-9a-f]{64}(\.[0-9a-f]{12}\.tmp)?$/;

/** The entries of a directory, or none when it does not exist (yet) or is a file. */
async function entries(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}

/** When the file was last written, or undefined when it is gone (another sweep, another instance). */
async function writtenAt(path: string): Promise<Date | undefined> {
  try {
    return (await stat(path)).mtime;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Blobs as files under `root`, fanned out by the first two byte pairs of the key so no directory
 * grows huge (`ab/cd/abcd…`). Files are written to a temporary name and renamed, so a reader never
 * sees half a file. Several instances of Laurel need `root` on a shared volume.
 */
export function createDiskStorage(root: string): BlobStorage {
  const pathOf = (key: string) => {
    // Keys are content hashes; anything else could climb out of `root`.
    if (!KEY.test(key)) throw new Error(`not a storage key: ${key}`);
    return join(root, key.slice(0, 2), key.slice(2, 4), key);
  };
  return {
    async put(key, bytes) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(temporary, bytes);
        await rename(temporary, path);
      } catch (error) {
        // A partial file (a full disk, an I/O error) would stay for ever: not every store is swept.
        // The write's error is the one worth reporting, not a failure to clean up after it.
        await rm(temporary, { force: true }).catch(() => {});
        throw error;
      }
    },
    async read(key) {
      try {
        return await readFile(pathOf(key));
      } catch (error) {
        // Not there, or a directory on the way is not one (a damaged store): nothing to read either way.
        if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
        throw error;
      }
    },
    async sweep(writtenBefore) {
      let deleted = 0;
      for (const first of await entries(root)) {
        for (const second of await entries(join(root, first))) {
          const directory = join(root, first, second);
          for (const name of await entries(directory)) {
            // Only what this store wrote, where it writes it: nothing else in `root` is touched.
            if (!STORED_FILE.test(name) || !name.startsWith(first + second)) continue;
            const path = join(directory, name);
            const written = await writtenAt(path);
            if (!written || written >= writtenBefore) continue;
            await rm(path, { force: true });
            deleted++;
          }
        }
      }
      return deleted;
    },
  };
}
