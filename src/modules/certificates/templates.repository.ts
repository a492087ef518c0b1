import { type SQL, and, asc, count, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { newId } from '../../platform/ids.ts';
import { templateVersions, templates } from './certificates.schema.ts';
import type { StoredTemplate, TemplatePart, TemplateScope } from './template-resolution.ts';

export type TemplateRow = typeof templates.$inferSelect;
export type TemplateVersionRow = typeof templateVersions.$inferSelect;

export interface TemplateFilter {
  part?: TemplatePart;
  scope?: TemplateScope;
}

/** Stored certificate templates and every saved version of their bodies. */
export function createTemplatesRepository() {
  // Qualified by hand: Drizzle leaves columns unqualified in single-table queries, and `id` inside
  // the subquery would then name template_versions.id.
  const currentBody = sql<string>`(select v.body from template_versions v
    where v.template_id = templates.id and v.version = templates.current_version)`;

  return {
    /** One page of a site's templates, by part, scope and key. */
    async list(db: Db, siteId: number, filter: TemplateFilter, page: Page) {
      const conditions: SQL[] = [eq(templates.siteId, siteId)];
      if (filter.part) conditions.push(eq(templates.part, filter.part));
      if (filter.scope) conditions.push(eq(templates.scope, filter.scope));
      const where = and(...conditions);
      const [total] = await db.select({ value: count() }).from(templates).where(where);
      const rows = await db
        .select()
        .from(templates)
        .where(where)
        .orderBy(asc(templates.part), asc(templates.scope), asc(templates.scopeKey), asc(templates.id))
        .limit(page.limit)
        .offset(page.offset);
      return { count: total?.value ?? 0, rows };
    },

    /** The template with this UUID on this site, with its current body, locked when `forUpdate`. */
    async find(db: Db, siteId: number, uuid: string, { forUpdate = false } = {}) {
      const where = and(eq(templates.siteId, siteId), eq(templates.uuid, uuid));
      // Locked first, read after: a statement that waited for the lock reads the current version as
      // its snapshot had it, before the save that held the lock committed.
      if (forUpdate) {
        const locked = await db.select({ id: templates.id }).from(templates).where(where).for('update');
        if (locked.length === 0) return undefined;
      }
      const [row] = await db.select({ template: templates, body: currentBody }).from(templates).where(where);
      return row;
    },

    async create(
      db: Db,
      input: { siteId: number; part: TemplatePart; scope: TemplateScope; scopeKey: string; name: string },
      body: string,
      userId: number | null,
    ): Promise<TemplateRow> {
      const [template] = await db
        .insert(templates)
        .values({ ...input, uuid: newId(), currentVersion: 1 })
        .returning();
      if (!template) throw new Error('the template was not inserted');
      await db
        .insert(templateVersions)
        .values({ templateId: template.id, version: 1, body, createdByUserId: userId });
      return template;
    },

    /** Saves `body` as the template's next version and makes it current. */
    async addVersion(
      db: Db,
      template: TemplateRow,
      body: string,
      userId: number | null,
    ): Promise<TemplateRow> {
      const version = template.currentVersion + 1;
      await db
        .insert(templateVersions)
        .values({ templateId: template.id, version, body, createdByUserId: userId });
      const [updated] = await db
        .update(templates)
        .set({ currentVersion: version, updatedAt: new Date() })
        .where(eq(templates.id, template.id))
        .returning();
      if (!updated) throw new Error('the template vanished while saving');
      return updated;
    },

    async rename(db: Db, id: number, name: string): Promise<TemplateRow> {
      const [updated] = await db
        .update(templates)
        .set({ name, updatedAt: new Date() })
        .where(eq(templates.id, id))
        .returning();
      if (!updated) throw new Error('the template vanished while renaming');
      return updated;
    },

    async delete(db: Db, id: number): Promise<void> {
      await db.delete(templates).where(eq(templates.id, id));
    },

    /** One page of a template's versions, newest first. */
    async versions(db: Db, templateId: number, page: Page) {
      const [total] = await db
        .select({ value: count() })
        .from(templateVersions)
        .where(eq(templateVersions.templateId, templateId));
      const rows = await db
        .select()
        .from(templateVersions)
        .where(eq(templateVersions.templateId, templateId))
        .orderBy(desc(templateVersions.version))
        .limit(page.limit)
        .offset(page.offset);
      return { count: total?.value ?? 0, rows };
    },

    async version(db: Db, templateId: number, version: number): Promise<TemplateVersionRow | undefined> {
      const [row] = await db
        .select()
        .from(templateVersions)
        .where(and(eq(templateVersions.templateId, templateId), eq(templateVersions.version, version)));
      return row;
    },

    /** The current body of every template of the site. */
    async currentOfSite(db: Db, siteId: number): Promise<StoredTemplate[]> {
      const rows = await db
        .select({
          part: templates.part,
          scope: templates.scope,
          key: templates.scopeKey,
          uuid: templates.uuid,
          version: templates.currentVersion,
          body: currentBody,
        })
        .from(templates)
        .where(eq(templates.siteId, siteId));
      return rows as StoredTemplate[];
    },
  };
}

export type TemplatesRepository = ReturnType<typeof createTemplatesRepository>;
