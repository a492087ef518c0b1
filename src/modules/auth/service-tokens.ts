import type { Cache } from '../../platform/cache/index.ts';
import { OperationalError } from '../../platform/errors.ts';
import { type HttpClient, UpstreamError } from '../../platform/http-client/http-client.ts';
import type { Site } from '../sites/sites.service.ts';

/** Renew this long before the LMS says a token expires, so a request never carries a dying token. */
const EXPIRY_MARGIN_SECONDS = 60;

/**
 * Access tokens Laurel uses when it calls the LMS or the catalog service: OAuth2 client credentials
 * with the site's client id and secret, at `<LMS>/oauth2/access_token`, kept until shortly before they
 * expire. Concurrent callers share one token request.
 */
export function createServiceTokens(http: HttpClient, cache: Cache) {
  const inFlight = new Map<string, Promise<string>>();

  async function fetchToken(site: Site, key: string): Promise<string> {
    if (!site.lmsUrl || !site.oauthClientId || !site.oauthClientSecret) {
      throw new OperationalError(
        `Site ${site.domain} has no LMS URL or OAuth client id and secret for service calls.`,
      );
    }
    const response = await http.request({
      method: 'POST',
      url: `${site.lmsUrl.replace(/\/+$/, '')}/oauth2/access_token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: site.oauthClientId,
        client_secret: site.oauthClientSecret,
        token_type: 'jwt',
      }).toString(),
      retryUnsafe: true,
    });
    if (response.status !== 200) {
      throw new UpstreamError(`The LMS refused Laurel's client credentials (HTTP ${response.status}).`, {
        url: 'oauth2/access_token',
        status: response.status,
        attempts: 1,
      });
    }
    const body = response.json<{ access_token?: unknown; expires_in?: unknown }>();
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new UpstreamError('The LMS answered without an access token.', {
        url: 'oauth2/access_token',
        status: 200,
        attempts: 1,
      });
    }
    const lifetime = typeof body.expires_in === 'number' ? body.expires_in : 300;
    const keep = lifetime - EXPIRY_MARGIN_SECONDS;
    if (keep > 0) await cache.set(key, body.access_token, keep);
    return body.access_token;
  }

  return {
    async tokenFor(site: Site): Promise<string> {
      const key = `service-token:${site.id}:${site.oauthClientId ?? ''}`;
      const cached = await cache.get<string>(key);
      if (cached) return cached;
      let pending = inFlight.get(key);
      if (!pending) {
        pending = fetchToken(site, key).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },
  };
}

export type ServiceTokens = ReturnType<typeof createServiceTokens>;
