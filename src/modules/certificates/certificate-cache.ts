import type { Cache } from '../../platform/cache/cache.ts';
import { type ChangeTokens, changeKeys } from '../../platform/cache/change-tokens.ts';
import type { RenderedCertificate } from './certificate-renderer.ts';

/** A rendered page is kept this long at most; changes invalidate it long before. */
const PAGE_SECONDS = 3600;

/** A certificate page as served: the page, whose it is, and the banner its owner sees on it. */
export interface CertificatePage extends RenderedCertificate {
  userId: number;
  ownerBanner: string;
}

/** A cached certificate page and the change tokens it was rendered under. */
interface CachedPage extends CertificatePage {
  tokens: (string | null)[];
}

const sameTokens = (a: (string | null)[], b: string[]) =>
  a.length === b.length && a.every((token, i) => token === b[i]);

/**
 * Rendered certificate pages, kept until something they show changes: the credential, the learner
 * (their name), or anything site-wide (configurations, templates, assets, catalog). A warm page costs
 * two cache reads and no database query; see change-tokens.ts for why it is never stale.
 */
export function createCertificateCache(cache: Cache, tokens: ChangeTokens) {
  const pageKey = (siteId: number, origin: string, uuid: string) =>
    `certificate-page:${siteId}:${origin}:${uuid}`;
  const dependencies = (siteId: number, uuid: string, userId?: number) => [
    changeKeys.siteCertificates(siteId),
    changeKeys.credential(uuid),
    ...(userId === undefined ? [] : [changeKeys.user(userId)]),
  ];

  return {
    /**
     * The page of credential `uuid` as cached, or as `load` renders it now (then cached). A page
     * whose learner was not known before loading is cached without that learner's token: the next
     * request renders it again, this time with every token read first.
     */
    async page(
      siteId: number,
      origin: string,
      uuid: string,
      load: () => Promise<CertificatePage | undefined>,
    ): Promise<CertificatePage | undefined> {
      const key = pageKey(siteId, origin, uuid);
      const cached = await cache.get<CachedPage>(key);
      const before = await tokens.current(dependencies(siteId, uuid, cached?.userId));
      if (cached && sameTokens(cached.tokens, before)) return cached;
      const loaded = await load();
      if (!loaded) {
        if (cached) await cache.delete(key);
        return undefined;
      }
      const complete = cached?.userId === loaded.userId;
      const entry: CachedPage = { ...loaded, tokens: complete ? before : [...before, null] };
      await cache.set(key, entry, PAGE_SECONDS);
      return loaded;
    },
  };
}

export type CertificateCache = ReturnType<typeof createCertificateCache>;
