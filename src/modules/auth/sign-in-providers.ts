import * as oidc from 'openid-client';
import type { Site } from '../sites/sites.service.ts';

/**
 * Where a site's users sign in. `lms`: the Open edX LMS's OAuth2 endpoints, whose access token is a
 * JWT verified like any API token. `oidc`: any OpenID Connect provider, found by discovery, whose ID
 * token names the user. Sites with neither use local accounts.
 */
export interface SignInProvider {
  kind: 'lms' | 'oidc';
  config: oidc.Configuration;
  scope: string;
  /** Where to send the browser to end the provider's own session too. */
  logoutUrl: string | null;
}

/** Discovery is a network call: keep a provider until the site changes, or for an hour at most. */
const PROVIDER_TTL_MS = 3_600_000;

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

export function createSignInProviders() {
  const cache = new Map<number, { provider: SignInProvider | null; version: number; at: number }>();

  async function build(site: Site): Promise<SignInProvider | null> {
    if (!site.ssoClientId) return null;
    const secret = site.ssoClientSecret ?? undefined;
    if (site.oidcDiscoveryUrl) {
      const url = new URL(site.oidcDiscoveryUrl);
      const config = await oidc.discovery(url, site.ssoClientId, secret, undefined, {
        execute: url.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
        timeout: 10,
      });
      return {
        kind: 'oidc',
        config,
        scope: 'openid profile email',
        logoutUrl: config.serverMetadata().end_session_endpoint ?? null,
      };
    }
    if (!site.lmsUrl) return null;
    const config = new oidc.Configuration(
      {
        issuer: joinUrl(site.lmsUrl, '/oauth2'),
        authorization_endpoint: joinUrl(site.lmsUrl, '/oauth2/authorize'),
        token_endpoint: joinUrl(site.lmsUrl, '/oauth2/access_token'),
      },
      site.ssoClientId,
      secret,
    );
    if (site.lmsUrl.startsWith('http:')) oidc.allowInsecureRequests(config);
    return {
      kind: 'lms',
      config,
      scope: 'user_id profile email',
      logoutUrl: joinUrl(site.lmsUrl, '/logout'),
    };
  }

  return {
    async forSite(site: Site): Promise<SignInProvider | null> {
      const version = site.updatedAt.getTime();
      const hit = cache.get(site.id);
      if (hit && hit.version === version && Date.now() - hit.at < PROVIDER_TTL_MS) return hit.provider;
      const provider = await build(site);
      cache.set(site.id, { provider, version, at: Date.now() });
      return provider;
    },
  };
}

export type SignInProviders = ReturnType<typeof createSignInProviders>;
