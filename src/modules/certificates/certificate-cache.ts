import { LRUCache } from 'lru-cache';
import { type ChangeTokens, changeKeys } from '../../platform/cache/change-tokens.ts';
import type { Site } from '../sites/sites.service.ts';
import type { RenderedCertificate } from './certificate-renderer.ts';

/** A rendered page is kept this long at most; changes invalidate it long before. */
const PAGE_SECONDS = 3600;
/** Room for the rendered pages of one instance (a default page takes about 6 kB). */
const PAGES_MAX_BYTES = 32 * 1024 * 1024;

/** A certificate page as served (bytes, encoded once rather than on every response) and whose it is. */
export interface CertificatePage extends RenderedCertificate {
  userId: number;
}

/** A cached certificate page and the change tokens and site settings it was rendered under. */
interface CachedPage {
  page: CertificatePage;
  tokens: (string | null)[];
  /**
   * When the site's settings it was rendered with were last changed: a request can carry settings
   * read just before a change, and render with them after the change's token is out.
   */
  siteVersion: number;
}

const sameTokens = (a: (string | null)[], b: (string | undefined)[]) =>
  a.length === b.length && a.every((token, i) => token === b[i]);

/**
 * Rendered certificate pages, kept until something they show changes: the credential, the learner
 * (their name), or anything site-wide (configurations, templates, assets, catalog). The pages stay
 * in each instance's memory, ready to send; only their change tokens live in the shared cache, so a
 * warm page costs a few token reads and no database query, and a change made on one instance is seen
 * by all (see change-tokens.ts for why it is never stale).
 */
export function createCertificateCache(tokens: ChangeTokens) {
  const pages = new LRUCache<string, CachedPage>({
    maxSize: PAGES_MAX_BYTES,
    sizeCalculation: ({ page }) => page.body.length,
    ttl: PAGE_SECONDS * 1000,
  });
  const dependencies = (siteId: number, uuid: string, userId?: number) => [
    changeKeys.siteCertificates(siteId),
    changeKeys.credential(uuid),
    ...(userId === undefined ? [] : [changeKeys.user(userId)]),
  ];

  return {
    /**
     * The page of credential `uuid` as cached, or as `load` renders it now (then cached), given the
     * site's token read before it, for what it caches in turn. A page whose learner was not known
     * before loading is cached without that learner's token: the next request renders it again,
     * this time with every token read first.
     */
    async page(
      site: Pick<Site, 'id' | 'updatedAt'>,
      origin: string,
      uuid: string,
      load: (siteToken: string) => Promise<CertificatePage | undefined>,
    ): Promise<CertificatePage | undefined> {
      const key = `${site.id}:${origin}:${uuid}`;
      const siteVersion = site.updatedAt.getTime();
      const cached = pages.get(key);
      const [siteKey, ...ownKeys] = dependencies(site.id, uuid, cached?.page.userId);
      const before = await tokens.existing([siteKey as string, ...ownKeys]);
      if (cached && cached.siteVersion === siteVersion && sameTokens(cached.tokens, before))
        return cached.page;
      // A site has one token; a credential and its learner get theirs only once the credential is
      // found, so that asking for ids that do not exist leaves nothing in the shared cache.
      const siteToken = before[0] ?? ((await tokens.current([siteKey as string]))[0] as string);
      const loaded = await load(siteToken);
      if (!loaded) {
        pages.delete(key);
        return undefined;
      }
      const ownTokens = before.slice(1);
      if (!ownTokens.every((token) => token !== undefined)) {
        // Tokens made after the read cannot vouch for it (a change in between would be missed): the
        // page is kept only for its learner's id, and the next view renders it under tokens read first.
        await tokens.current(dependencies(site.id, uuid, loaded.userId));
        pages.set(key, { page: loaded, tokens: [null], siteVersion });
        return loaded;
      }
      const read = [siteToken, ...ownTokens];
      const complete = cached?.page.userId === loaded.userId;
      pages.set(key, { page: loaded, tokens: complete ? read : [...read, null], siteVersion });
      return loaded;
    },
  };
}

export type CertificateCache = ReturnType<typeof createCertificateCache>;
