import { type SQL, and, asc, count, eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { type COURSE_MODES, credentialConfigs } from './credentials.schema.ts';

export interface CourseCertificateFilter {
  courseRunKey?: string;
  mode?: (typeof COURSE_MODES)[number];
  isActive?: boolean;
}

/** Course-run certificate configurations as admins list them. */
export function createCourseCertificatesRepository() {
  return {
    /** One page of a site's course-run configurations, by run key, then mode, then age. */
    async list(db: Db, siteId: number, filter: CourseCertificateFilter, page: Page) {
      const conditions: SQL[] = [
        eq(credentialConfigs.siteId, siteId),
        eq(credentialConfigs.kind, 'course-run'),
      ];
      if (filter.courseRunKey !== undefined)
        conditions.push(eq(credentialConfigs.courseRunKey, filter.courseRunKey));
      if (filter.mode !== undefined) conditions.push(eq(credentialConfigs.mode, filter.mode));
      if (filter.isActive !== undefined) conditions.push(eq(credentialConfigs.isActive, filter.isActive));
      const where = and(...conditions);
      const [total] = await db.select({ value: count() }).from(credentialConfigs).where(where);
      const rows = await db
        .select()
        .from(credentialConfigs)
        .where(where)
        .orderBy(asc(credentialConfigs.courseRunKey), asc(credentialConfigs.mode), asc(credentialConfigs.id))
        .limit(page.limit)
        .offset(page.offset);
      return { count: total?.value ?? 0, rows };
    },
  };
}

export type CourseCertificatesRepository = ReturnType<typeof createCourseCertificatesRepository>;
