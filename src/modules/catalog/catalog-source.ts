import { type HttpClient, UpstreamError } from '../../platform/http-client/http-client.ts';
import type { ServiceTokens } from '../auth/service-tokens.ts';
import type { Site } from '../sites/sites.service.ts';
import type { CatalogResource } from './catalog-items.ts';

export interface CatalogPage {
  number: number;
  count: number;
  results: unknown[];
}

/** The largest page size the catalog service is asked for. */
export const MAX_PAGE_SIZE = 500;
/** A listing that claims more pages than this is not trusted (a loop of `next` links). */
const MAX_PAGES = 100_000;

/**
 * Reads the site's catalog service (course-discovery API) page by page, following `next`. Calls carry
 * a service token when the site has an OAuth client. Failures name the resource and page.
 */
export function createCatalogSource(http: HttpClient, serviceTokens: ServiceTokens) {
  async function headers(site: Site): Promise<Record<string, string>> {
    if (!site.oauthClientId || !site.oauthClientSecret || !site.lmsUrl) return {};
    return { authorization: `JWT ${await serviceTokens.tokenFor(site)}` };
  }

  return {
    async *pages(site: Site, resource: CatalogResource, pageSize: number): AsyncGenerator<CatalogPage> {
      if (!site.catalogApiUrl)
        throw new UpstreamError(`Site ${site.domain} has no catalog API URL.`, { url: '', attempts: 0 });
      const first = new URL(
        `${resource}/`,
        site.catalogApiUrl.endsWith('/') ? site.catalogApiUrl : `${site.catalogApiUrl}/`,
      );
      first.searchParams.set('exclude_utm', '1');
      first.searchParams.set('page_size', String(pageSize));
      if (resource === 'courses') first.searchParams.set('include_hidden_course_runs', '1');
      const origin = first.origin;

      let url: string | null = first.toString();
      for (let number = 1; url; number += 1) {
        if (number > MAX_PAGES)
          throw new UpstreamError(`${resource}: more than ${MAX_PAGES} pages`, { url, attempts: 1 });
        const response = await http.request({ url, headers: await headers(site) });
        const where = `${resource} page ${number}`;
        if (response.status !== 200) {
          throw new UpstreamError(`The catalog service answered HTTP ${response.status} for ${where}.`, {
            url,
            status: response.status,
            attempts: 1,
          });
        }
        let body: { count?: unknown; next?: unknown; results?: unknown };
        try {
          body = response.json();
        } catch {
          throw new UpstreamError(`The catalog service sent malformed JSON for ${where}.`, {
            url,
            status: 200,
            attempts: 1,
          });
        }
        if (!body || !Array.isArray(body.results) || typeof body.count !== 'number') {
          throw new UpstreamError(`The catalog service sent ${where} without "results" and "count".`, {
            url,
            status: 200,
            attempts: 1,
          });
        }
        yield { number, count: body.count, results: body.results };
        const next = typeof body.next === 'string' && body.next !== '' ? body.next : null;
        // Never follow a `next` link to another server: the token must not leave the catalog service.
        if (next && new URL(next, url).origin !== origin) {
          throw new UpstreamError(`${where} links its next page to another server.`, {
            url,
            status: 200,
            attempts: 1,
          });
        }
        url = next ? new URL(next, url).toString() : null;
      }
    },
  };
}

export type CatalogSource = ReturnType<typeof createCatalogSource>;
