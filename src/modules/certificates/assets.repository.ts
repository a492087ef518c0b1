import { and, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { newId } from '../../platform/ids.ts';
import { assets, templates, templateVersions } from './certificates.schema.ts';

export type Asset = typeof assets.$inferSelect;
export type NewAsset = Omit<typeof assets.$inferInsert, 'id' | 'uuid' | 'createdAt' | 'updatedAt'>;

/** Uploaded images of a site, one row per distinct content. */
export function createAssetsRepository() {
  return {
    async list(db: Db, siteId: number, page: Page) {
      const where = eq(assets.siteId, siteId);
      const [total] = await db.select({ value: count() }).from(assets).where(where);
      const rows = await db
        .select()
        .from(assets)
        .where(where)
        .orderBy(desc(assets.createdAt), desc(assets.id))
        .limit(page.limit)
        .offset(page.offset);
      return { count: total?.value ?? 0, rows };
    },

    async byUuid(db: Db, siteId: number, uuid: string): Promise<Asset | undefined> {
      const [row] = await db
        .select()
        .from(assets)
        .where(and(eq(assets.siteId, siteId), eq(assets.uuid, uuid)));
      return row;
    },

    async bySha256(db: Db, siteId: number, sha256: string): Promise<Asset | undefined> {
      const [row] = await db
        .select()
        .from(assets)
        .where(and(eq(assets.siteId, siteId), eq(assets.sha256, sha256)));
      return row;
    },

    /** Inserts the asset unless the site has this content already; says which row holds it and whether it is new. */
    async insertOrFind(db: Db, asset: NewAsset): Promise<{ asset: Asset; created: boolean }> {
      const [inserted] = await db
        .insert(assets)
        .values({ ...asset, uuid: newId() })
        .onConflictDoNothing({ target: [assets.siteId, assets.sha256] })
        .returning();
      if (inserted) return { asset: inserted, created: true };
      const existing = await this.bySha256(db, asset.siteId, asset.sha256);
      if (!existing) throw new Error('an asset vanished while it was uploaded again');
      return { asset: existing, created: false };
    },

    /** Whether the current version of one of the site's templates names this content (its hash). */
    async namedByTemplates(db: Db, siteId: number, sha256: string): Promise<boolean> {
      const [found] = await db
        .select({ id: templates.id })
        .from(templates)
        .innerJoin(
          templateVersions,
          and(
            eq(templateVersions.templateId, templates.id),
            eq(templateVersions.version, templates.currentVersion),
          ),
        )
        .where(and(eq(templates.siteId, siteId), sql`strpos(${templateVersions.body}, ${sha256}) > 0`))
        .limit(1);
      return found !== undefined;
    },

    /**
     * Which of these images the site has, each kept from deletion until the transaction ends (a
     * template naming them is being saved).
     */
    async holdExisting(db: Db, siteId: number, sha256s: string[]): Promise<string[]> {
      if (sha256s.length === 0) return [];
      const rows = await db
        .select({ sha256: assets.sha256 })
        .from(assets)
        .where(and(eq(assets.siteId, siteId), inArray(assets.sha256, sha256s)))
        .for('key share');
      return rows.map((row) => row.sha256);
    },

    async delete(db: Db, id: number): Promise<void> {
      await db.delete(assets).where(eq(assets.id, id));
    },
  };
}

export type AssetsRepository = ReturnType<typeof createAssetsRepository>;
