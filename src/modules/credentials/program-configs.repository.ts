import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { programs } from '../catalog/catalog.schema.ts';
import { assets } from '../certificates/certificates.schema.ts';
import { credentialConfigSignatories, credentialConfigs, signatories } from './credentials.schema.ts';

/** A signatory with the image it signs with, if any. */
export type Signatory = typeof signatories.$inferSelect & { image: { uuid: string; sha256: string } | null };
export type ProgramConfigRow = {
  config: typeof credentialConfigs.$inferSelect;
  programUuid: string;
  programTitle: string;
};

const selectSignatories = (db: Db) =>
  db
    .select({ signatory: signatories, imageUuid: assets.uuid, imageSha256: assets.sha256 })
    .from(signatories)
    .leftJoin(assets, eq(assets.id, signatories.imageAssetId));

const withImage = (row: {
  signatory: typeof signatories.$inferSelect;
  imageUuid: string | null;
  imageSha256: string | null;
}): Signatory => ({
  ...row.signatory,
  image: row.imageUuid && row.imageSha256 ? { uuid: row.imageUuid, sha256: row.imageSha256 } : null,
});

/** Program certificate configurations and signatories: what admins set up for program certificates. */
export function createProgramConfigsRepository() {
  const programConfigs = (db: Db) =>
    db
      .select({ config: credentialConfigs, programUuid: programs.uuid, programTitle: programs.title })
      .from(credentialConfigs)
      .innerJoin(programs, eq(programs.id, credentialConfigs.programId));

  return {
    async listConfigs(db: Db, siteId: number, page: Page) {
      const where = and(eq(credentialConfigs.siteId, siteId), eq(credentialConfigs.kind, 'program'));
      const [total] = await db.select({ value: count() }).from(credentialConfigs).where(where);
      const rows = await programConfigs(db)
        .where(where)
        .orderBy(asc(credentialConfigs.id))
        .limit(page.limit)
        .offset(page.offset);
      return { count: total?.value ?? 0, rows };
    },

    async configByUuid(db: Db, siteId: number, uuid: string): Promise<ProgramConfigRow | undefined> {
      const [row] = await programConfigs(db).where(
        and(
          eq(credentialConfigs.siteId, siteId),
          eq(credentialConfigs.kind, 'program'),
          eq(credentialConfigs.uuid, uuid),
        ),
      );
      return row;
    },

    /** Signatory UUIDs of each config, in order. */
    async signatoriesOf(db: Db, configIds: number[]): Promise<Map<number, string[]>> {
      const byConfig = new Map<number, string[]>();
      if (configIds.length === 0) return byConfig;
      const rows = await db
        .select({ configId: credentialConfigSignatories.configId, uuid: signatories.uuid })
        .from(credentialConfigSignatories)
        .innerJoin(signatories, eq(signatories.id, credentialConfigSignatories.signatoryId))
        .where(inArray(credentialConfigSignatories.configId, configIds))
        .orderBy(asc(credentialConfigSignatories.position));
      for (const row of rows) byConfig.set(row.configId, [...(byConfig.get(row.configId) ?? []), row.uuid]);
      return byConfig;
    },

    async setSignatories(db: Db, configId: number, signatoryIds: number[]): Promise<void> {
      await db.delete(credentialConfigSignatories).where(eq(credentialConfigSignatories.configId, configId));
      if (signatoryIds.length > 0) {
        await db
          .insert(credentialConfigSignatories)
          .values(signatoryIds.map((signatoryId, position) => ({ configId, signatoryId, position })));
      }
    },

    async signatoryIds(db: Db, siteId: number, uuids: string[]): Promise<Map<string, number>> {
      if (uuids.length === 0) return new Map();
      const rows = await db
        .select({ id: signatories.id, uuid: signatories.uuid })
        .from(signatories)
        .where(and(eq(signatories.siteId, siteId), inArray(signatories.uuid, uuids)));
      return new Map(rows.map((row) => [row.uuid, row.id]));
    },

    async listSignatories(db: Db, siteId: number, page: Page): Promise<{ count: number; rows: Signatory[] }> {
      const where = eq(signatories.siteId, siteId);
      const [total] = await db.select({ value: count() }).from(signatories).where(where);
      const rows = await selectSignatories(db)
        .where(where)
        .orderBy(asc(signatories.id))
        .limit(page.limit)
        .offset(page.offset);
      return { count: total?.value ?? 0, rows: rows.map(withImage) };
    },

    async signatoryByUuid(db: Db, siteId: number, uuid: string): Promise<Signatory | undefined> {
      const [row] = await selectSignatories(db).where(
        and(eq(signatories.siteId, siteId), eq(signatories.uuid, uuid)),
      );
      return row && withImage(row);
    },

    async insertSignatory(db: Db, values: typeof signatories.$inferInsert): Promise<string> {
      const [row] = await db.insert(signatories).values(values).returning({ uuid: signatories.uuid });
      if (!row) throw new Error('insert into signatories returned no row');
      return row.uuid;
    },

    async updateSignatory(
      db: Db,
      id: number,
      values: Partial<typeof signatories.$inferInsert>,
    ): Promise<void> {
      await db
        .update(signatories)
        .set({ ...values, updatedAt: new Date() })
        .where(eq(signatories.id, id));
    },

    async deleteSignatory(db: Db, id: number): Promise<void> {
      await db.delete(signatories).where(eq(signatories.id, id));
    },

    async deleteConfig(db: Db, id: number): Promise<void> {
      await db.delete(credentialConfigs).where(eq(credentialConfigs.id, id));
    },
  };
}

export type ProgramConfigsRepository = ReturnType<typeof createProgramConfigsRepository>;
