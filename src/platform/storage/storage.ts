import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Immutable blobs by key (a content hash): written once, read many times. */
export interface BlobStorage {
  /** Stores the bytes under the key; storing the same key again is harmless. */
  put(key: string, bytes: Buffer): Promise<void>;
  /** The bytes under the key, or undefined when there are none. */
  read(key: string): Promise<Buffer | undefined>;
}

const KEY = /^[0-9a-f]{64}$/;

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
      await writeFile(temporary, bytes);
      await rename(temporary, path);
    },
    async read(key) {
      try {
        return await readFile(pathOf(key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}
