import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * SECRET_KEY when configured; otherwise a random key generated once into the data directory and
 * reused, so sessions survive restarts without anyone having to invent a key.
 */
export function resolveSecretKey(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const path = join(dataDir, 'secret_key');
  let replace = false;
  try {
    const stored = readFileSync(path, 'utf8').trim();
    if (stored.length >= 32) return stored;
    replace = true; // too short to be a key we made: replace it
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(48).toString('base64url');
  try {
    writeFileSync(path, `${key}\n`, { mode: 0o600, flag: replace ? 'w' : 'wx' });
    if (replace) chmodSync(path, 0o600);
    return key;
  } catch (error) {
    // Another process wrote it between our read and write: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      const theirs = readFileSync(path, 'utf8').trim();
      if (theirs.length >= 32) return theirs;
    }
    throw error;
  }
}
