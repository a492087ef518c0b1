import { join } from 'node:path';
import type { Clock } from '../../platform/clock.ts';
import type { JobQueue } from '../../platform/jobs/jobs.ts';
import { createDiskStorage } from '../../platform/storage/storage.ts';

/** A social card or PDF not written for this many days is deleted; it is made again when asked for. */
export const RENDERED_FILE_DAYS = 30;
export const EXPIRE_RENDERED_FILES_JOB = 'certificates.expire-rendered-files';

/**
 * Social cards and PDFs, kept on disk by content hash (`DATA_DIR/cards`, `DATA_DIR/pdf`). Each change
 * to a certificate makes new ones under new keys, and nothing refers to the old ones again: they are
 * a cache, and the cache is swept once a day so that it does not grow for ever.
 */
export function createRenderedFiles(dataDir: string) {
  return { cards: createDiskStorage(join(dataDir, 'cards')), pdfs: createDiskStorage(join(dataDir, 'pdf')) };
}

export type RenderedFiles = ReturnType<typeof createRenderedFiles>;

/** The daily sweep of rendered files (03:40 UTC; one instance runs it). */
export function defineRenderedFilesExpiry(jobs: JobQueue, files: RenderedFiles, clock: Clock) {
  jobs.define({
    name: EXPIRE_RENDERED_FILES_JOB,
    cron: '40 3 * * *',
    retryLimit: 1,
    handler: async () => {
      const before = new Date(clock.now().getTime() - RENDERED_FILE_DAYS * 24 * 3600 * 1000);
      return { deleted: { cards: await files.cards.sweep(before), pdfs: await files.pdfs.sweep(before) } };
    },
  });
}
