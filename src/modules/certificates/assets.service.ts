import { createHash } from 'node:crypto';
import { type ChangeTokens, changeKeys } from '../../platform/cache/change-tokens.ts';
import type { Database } from '../../platform/db/database.ts';
import { isStillReferenced } from '../../platform/db/errors.ts';
import { ConflictError, NotFoundError } from '../../platform/errors.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { parseUuid } from '../../platform/ids.ts';
import type { BlobStorage } from '../../platform/storage/storage.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import type { Site } from '../sites/sites.service.ts';
import type { Asset, AssetsRepository } from './assets.repository.ts';
import { cleanImage } from './images.ts';

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Images of a site (logos, signatures, backgrounds), checked and re-encoded on upload, stored once per
 * content (by SHA-256) and referenced by signatories and templates.
 */
export function createAssetsService(deps: {
  database: Database;
  repository: AssetsRepository;
  storage: BlobStorage;
  audit: AuditService;
  changes: ChangeTokens;
}) {
  const { database, repository, storage, audit, changes } = deps;
  const { db } = database;

  async function get(site: Site, uuid: string): Promise<Asset> {
    const parsed = parseUuid(uuid);
    const asset = parsed ? await repository.byUuid(db, site.id, parsed) : undefined;
    if (!asset) throw new NotFoundError();
    return asset;
  }

  return {
    list: (site: Site, page: Page) => repository.list(db, site.id, page),
    get,

    /** The row id of the site's image with this UUID, for what shows it to reference; undefined when none. */
    async idOf(site: Site, uuid: string): Promise<number | undefined> {
      const parsed = parseUuid(uuid);
      return parsed ? (await repository.byUuid(db, site.id, parsed))?.id : undefined;
    },

    /** Stores an upload; the same content again answers the asset already stored. */
    async upload(
      site: Site,
      upload: Buffer,
      originalName: string,
      actor: Actor,
    ): Promise<{ asset: Asset; created: boolean }> {
      const image = await cleanImage(upload);
      const sha256 = createHash('sha256').update(image.bytes).digest('hex');
      // The file first: a row never points at a missing file (a file without a row is harmless).
      await storage.put(sha256, image.bytes);
      return db.transaction(async (tx) => {
        const stored = await repository.insertOrFind(tx, {
          siteId: site.id,
          sha256,
          contentType: image.contentType,
          byteSize: image.bytes.length,
          width: image.width,
          height: image.height,
          originalName,
          storageKey: sha256,
        });
        if (stored.created) {
          await audit.record(tx, actor, {
            siteId: site.id,
            action: 'asset.created',
            targetType: 'asset',
            targetId: stored.asset.uuid,
            changes: { sha256: [null, sha256], content_type: [null, image.contentType] },
          });
        }
        return stored;
      });
    },

    /**
     * Deletes an asset nothing references (409 otherwise: a signatory, an organization, or a current
     * template naming it); its file stays for pages cached with it.
     */
    async delete(site: Site, uuid: string, actor: Actor): Promise<void> {
      const asset = await get(site, uuid);
      try {
        await changes.commit(
          db,
          async (tx) => {
            // Deleted first, then checked: the deletion waits for a template being saved with the
            // image (which holds its row), and the check then sees that template.
            await repository.delete(tx, asset.id);
            if (await repository.namedByTemplates(tx, site.id, asset.sha256))
              throw new ConflictError('A template still shows this image: change it first.');
            await audit.record(tx, actor, {
              siteId: site.id,
              action: 'asset.deleted',
              targetType: 'asset',
              targetId: asset.uuid,
              changes: { sha256: [asset.sha256, null] },
            });
          },
          [changeKeys.siteCertificates(site.id)],
        );
      } catch (error) {
        if (isStillReferenced(error))
          throw new ConflictError('A signatory or organization still shows this image: change it first.');
        throw error;
      }
    },

    /** The bytes of the site's asset with this content hash, for serving; undefined when it has none. */
    async content(site: Site, sha256: string): Promise<{ asset: Asset; bytes: Buffer } | undefined> {
      if (!SHA256.test(sha256)) return undefined;
      const asset = await repository.bySha256(db, site.id, sha256);
      const bytes = asset && (await storage.read(asset.storageKey));
      return asset && bytes ? { asset, bytes } : undefined;
    },
  };
}

export type AssetsService = ReturnType<typeof createAssetsService>;
