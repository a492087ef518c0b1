import type { Cache } from '../../platform/cache/index.ts';
import { type HttpClient, UpstreamError } from '../../platform/http-client/http-client.ts';
import type { ServiceTokens } from '../auth/service-tokens.ts';
import type { Site } from '../sites/sites.service.ts';

/** What the LMS user API says of a learner. */
export interface LmsAccount {
  username: string;
  name: string;
  email: string;
  id: number | null;
}

export interface LmsAccountsOptions {
  /** Requests per second at most, so a big backfill never floods the LMS. */
  requestsPerSecond: number;
  cacheSeconds: number;
}

/** Spaces calls out to at most `perSecond`, across all callers in this process. */
function rateLimiter(perSecond: number) {
  let next = 0;
  return async () => {
    const now = Date.now();
    const at = Math.max(now, next);
    next = at + 1000 / perSecond;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  };
}

/**
 * The LMS user API (`/api/user/v1/accounts?username=a,b`), with a service token, caching and a bounded
 * request rate. For filling in what Laurel lacks (names, LMS ids) in the background: pages never wait
 * on it.
 */
export function createLmsAccounts(
  http: HttpClient,
  serviceTokens: ServiceTokens,
  cache: Cache,
  options: LmsAccountsOptions,
) {
  const wait = rateLimiter(options.requestsPerSecond);
  const key = (site: Site, username: string) => `lms-account:${site.id}:${username.toLowerCase()}`;

  return {
    /** Accounts by lower-cased username; usernames the LMS does not know are missing from the map. */
    async find(site: Site, usernames: string[]): Promise<Map<string, LmsAccount>> {
      if (!site.lmsUrl)
        throw new UpstreamError(`Site ${site.domain} has no LMS URL.`, { url: '', attempts: 0 });
      const found = new Map<string, LmsAccount>();
      const wanted: string[] = [];
      for (const username of usernames) {
        const hit = await cache.get<LmsAccount>(key(site, username));
        if (hit) found.set(username.toLowerCase(), hit);
        else wanted.push(username);
      }
      if (wanted.length === 0) return found;

      await wait();
      const url = new URL('/api/user/v1/accounts', site.lmsUrl);
      url.searchParams.set('username', wanted.join(','));
      const response = await http.request({
        url: url.toString(),
        headers: { authorization: `JWT ${await serviceTokens.tokenFor(site)}` },
      });
      if (response.status !== 200) {
        throw new UpstreamError(`The LMS user API answered HTTP ${response.status}.`, {
          url: url.origin,
          status: response.status,
          attempts: 1,
        });
      }
      const body = response.json<unknown>();
      if (!Array.isArray(body))
        throw new UpstreamError('The LMS user API did not answer with a list.', {
          url: url.origin,
          status: 200,
          attempts: 1,
        });
      for (const entry of body as Record<string, unknown>[]) {
        if (typeof entry?.username !== 'string') continue;
        const account: LmsAccount = {
          username: entry.username,
          name: typeof entry.name === 'string' ? entry.name.slice(0, 255) : '',
          email: typeof entry.email === 'string' ? entry.email.slice(0, 254) : '',
          id: typeof entry.id === 'number' && Number.isSafeInteger(entry.id) ? entry.id : null,
        };
        found.set(account.username.toLowerCase(), account);
        await cache.set(key(site, account.username), account, options.cacheSeconds);
      }
      return found;
    },
  };
}

export type LmsAccounts = ReturnType<typeof createLmsAccounts>;
