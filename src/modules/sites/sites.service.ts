import type { Cache } from '../../platform/cache/index.ts';
import { type ChangeTokens, changeKeys } from '../../platform/cache/change-tokens.ts';
import type { Database } from '../../platform/db/database.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts';
import { type Actor, type AuditService, SYSTEM_ACTOR, diffForAudit } from '../audit/audit.service.ts';
import {
  SECRET_SITE_FIELDS,
  type SiteSettings,
  checkSiteConsistency,
  parseSiteSettings,
} from './site-fields.ts';
import type { Site, SitesRepository } from './sites.repository.ts';

export type { Site } from './sites.repository.ts';

/** Sites are read on every request; entries live briefly and are replaced on every change. */
const SITE_CACHE_SECONDS = 60;
/**
 * What a changed domain's entry holds for a while instead of the site: a reader that read the row
 * before the change and stores it after finds the place taken (it only adds), and readers meanwhile
 * go to the database. It lasts as long as an entry would, longer than any read takes.
 */
const CHANGED = 'changed';
const cacheKey = (domain: string) => `site:domain:${domain.toLowerCase()}`;

export interface SitesServiceDeps {
  database: Database;
  repository: SitesRepository;
  audit: AuditService;
  cache: Cache;
  changes: ChangeTokens;
}

export function createSitesService({ database, repository, audit, cache, changes }: SitesServiceDeps) {
  const { db } = database;

  /**
   * Dates come back from the cache as strings; sites are used with Date fields. The in-process cache
   * hands out one frozen copy of an entry, so its revived site is made once and shared, frozen too.
   */
  const revived = new WeakMap<Site, Site>();
  const revive = (cached: Site): Site => {
    let site = revived.get(cached);
    if (!site) {
      site = Object.freeze({
        ...cached,
        createdAt: new Date(cached.createdAt),
        updatedAt: new Date(cached.updatedAt),
      });
      revived.set(cached, site);
    }
    return site;
  };

  const markChanged = (...domains: string[]) =>
    Promise.all(domains.map((domain) => cache.set(cacheKey(domain), CHANGED, SITE_CACHE_SECONDS)));

  return {
    /** The site for a request's host, or undefined: an unknown host never falls back to another site. */
    async findByDomain(domain: string): Promise<Site | undefined> {
      const cached = await cache.get<Site | null | typeof CHANGED>(cacheKey(domain));
      if (cached !== undefined && cached !== CHANGED) return cached ? revive(cached) : undefined;
      const found = (await repository.findByDomain(db, domain)) ?? null;
      if (cached === undefined) await cache.add(cacheKey(domain), found, SITE_CACHE_SECONDS);
      return found ?? undefined;
    },

    async getByDomain(domain: string): Promise<Site> {
      const site = await repository.findByDomain(db, domain);
      if (!site) throw new NotFoundError(`No site has the domain ${domain}.`);
      return site;
    },

    /** A site by id, as stored now (jobs carry ids; a site may have changed since they were queued). */
    findById: (id: number) => repository.findById(db, id),

    list: () => repository.list(db),

    async create(input: Record<string, unknown>, actor: Actor): Promise<Site> {
      const settings = parseSiteSettings(input);
      if (!settings.domain) throw ValidationError.field('domain', 'This field is required.');
      const values = { name: settings.domain, ...settings } as Partial<SiteSettings> &
        Pick<SiteSettings, 'domain' | 'name'>;
      checkSiteConsistency({
        enableFacebookSharing: values.enableFacebookSharing ?? false,
        facebookAppId: values.facebookAppId ?? null,
      });
      try {
        const site = await db.transaction(async (tx) => {
          const created = await repository.insert(tx, values);
          await audit.record(tx, actor, {
            siteId: null,
            action: 'site.created',
            targetType: 'site',
            targetId: created.id,
            changes: diffForAudit(null, values, SECRET_SITE_FIELDS),
          });
          return created;
        });
        await markChanged(site.domain);
        return site;
      } catch (error) {
        if (isUniqueViolation(error))
          throw new ConflictError(`A site with the domain ${values.domain} already exists.`);
        throw error;
      }
    },

    async update(domain: string, input: Record<string, unknown>, actor: Actor): Promise<Site> {
      const settings = parseSiteSettings(input);
      const existing = await this.getByDomain(domain);
      checkSiteConsistency({ ...existing, ...settings });
      try {
        const site = await db.transaction(async (tx) => {
          const updated = await repository.update(tx, existing.id, settings);
          const diff = diffForAudit(existing as Record<string, unknown>, settings, SECRET_SITE_FIELDS);
          if (Object.keys(diff).length > 0) {
            await audit.record(tx, actor, {
              siteId: null,
              action: 'site.updated',
              targetType: 'site',
              targetId: existing.id,
              changes: diff,
            });
          }
          return updated;
        });
        await markChanged(existing.domain, site.domain);
        await changes.bump(changeKeys.siteCertificates(site.id));
        return site;
      } catch (error) {
        if (isUniqueViolation(error))
          throw new ConflictError(`A site with the domain ${settings.domain} already exists.`);
        throw error;
      }
    },

    /** On an empty database, creates the site for PUBLIC_URL's host so a fresh install just works. */
    async ensureDefaultSite(domain: string): Promise<Site | undefined> {
      if ((await repository.count(db)) > 0) return undefined;
      try {
        return await this.create({ domain, name: domain, platformName: 'Laurel' }, SYSTEM_ACTOR);
      } catch (error) {
        // Another instance starting at the same moment created it first.
        if (error instanceof ConflictError) return undefined;
        throw error;
      }
    },
  };
}

export type SitesService = ReturnType<typeof createSitesService>;
