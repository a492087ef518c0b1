import { asc, count, eq, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import type { SiteSettings } from './site-fields.ts';
import { sites } from './sites.schema.ts';

export type Site = typeof sites.$inferSelect;

export function createSitesRepository() {
  return {
    async findByDomain(db: Db, domain: string): Promise<Site | undefined> {
      const [site] = await db
        .select()
        .from(sites)
        .where(eq(sql`lower(${sites.domain})`, domain.toLowerCase()));
      return site;
    },

    async findById(db: Db, id: number): Promise<Site | undefined> {
      const [site] = await db.select().from(sites).where(eq(sites.id, id));
      return site;
    },

    async list(db: Db): Promise<Site[]> {
      return db.select().from(sites).orderBy(asc(sites.id));
    },

    async count(db: Db): Promise<number> {
      const [row] = await db.select({ value: count() }).from(sites);
      return row?.value ?? 0;
    },

    async insert(
      db: Db,
      values: Partial<SiteSettings> & Pick<SiteSettings, 'domain' | 'name'>,
    ): Promise<Site> {
      const [site] = await db.insert(sites).values(values).returning();
      if (!site) throw new Error('insert into sites returned no row');
      return site;
    },

    async update(db: Db, id: number, values: Partial<SiteSettings>): Promise<Site> {
      const [site] = await db.update(sites).set(values).where(eq(sites.id, id)).returning();
      if (!site) throw new Error(`site ${id} vanished during update`);
      return site;
    },
  };
}

export type SitesRepository = ReturnType<typeof createSitesRepository>;
