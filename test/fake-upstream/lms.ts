/**
 * A fake Open edX LMS, as a real HTTP server, for tests and the demo. Built on oidc-provider, it does
 * what Laurel needs of an LMS: OAuth2 authorization code with PKCE (the sign-in form accepts any
 * seeded username; consent is implied, as for the LMS's first-party apps), client credentials, JWT
 * access tokens in the Open edX shape signed with keys published at a JWKS URL, the logout page, and
 * the user accounts API. Keys can be rotated and tokens minted directly for tests.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CryptoKey,
  type JWK,
  type JWTPayload,
  SignJWT,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export interface FakeLmsUser {
  username: string;
  email: string;
  name: string;
  userId: number;
  administrator?: boolean;
}

export interface FakeLmsOptions {
  port?: number;
  users?: FakeLmsUser[];
  /** Where Laurel sends users back after sign-in; several allowed. */
  redirectUris?: string[];
  /** Audience put in access tokens. */
  audience?: string;
}

export const SSO_CLIENT = { id: 'laurel-sso', secret: 'laurel-sso-secret-0123456789' };
export const SERVICE_CLIENT = {
  id: 'laurel-service',
  secret: 'laurel-service-secret-0123456789',
  username: 'laurel_service_worker',
};

/** The resource indicator of Laurel's API at the provider; tokens for it carry `aud` = the audience. */
const RESOURCE = 'urn:laurel:api';

export const DEFAULT_USERS: FakeLmsUser[] = [
  { username: 'edx', email: 'edx@example.com', name: 'Edx Admin', userId: 1, administrator: true },
  { username: 'learner', email: 'learner@example.com', name: 'Lee Learner', userId: 2 },
  { username: 'Ana.Gómez', email: 'ana@example.com', name: 'Ana Gómez', userId: 3 },
  { username: SERVICE_CLIENT.username, email: 'service@example.com', name: '', userId: 4 },
];

export interface FakeLms {
  url: string;
  issuer: string;
  jwksUri: string;
  users: FakeLmsUser[];
  /** Requests served, by kind, so tests can count fetches. */
  counts: { jwks: number; token: number; accounts: number };
  /** Signs a token as the LMS would (or with a key of the test's choosing). */
  mintToken(
    claims: JWTPayload,
    options?: { expiresIn?: string | number; kid?: string; key?: CryptoKey },
  ): Promise<string>;
  /** Adds a new signing key and publishes it; later minted tokens use it. Returns its kid. */
  rotateKeys(options?: { dropOld?: boolean }): Promise<string>;
  stop(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function newSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startFakeLms(options: FakeLmsOptions = {}): Promise<FakeLms> {
  const users = options.users ?? DEFAULT_USERS;
  const audience = options.audience ?? 'laurel';
  const counts = { jwks: 0, token: 0, accounts: 0 };
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${url}/oauth2`;

  const keys: SigningKey[] = [await newSigningKey('lms-key-1')];
  const current = () => keys[keys.length - 1] as SigningKey;
  const privateJwk = {
    ...(await exportJWK(current().privateKey)),
    kid: current().kid,
    alg: 'RS256',
    use: 'sig',
  };
  const findUser = (username: string) =>
    users.find((u) => u.username.toLowerCase() === username.toLowerCase());

  /** The claims Open edX puts in its JWT access tokens. */
  const lmsClaims = (user: FakeLmsUser) => ({
    preferred_username: user.username,
    email: user.email,
    name: user.name,
    user_id: user.userId,
    administrator: user.administrator ?? false,
    version: '1.2.0',
    is_restricted: false,
    scopes: ['user_id', 'profile', 'email'],
    filters: [],
  });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: SSO_CLIENT.id,
        client_secret: SSO_CLIENT.secret,
        redirect_uris: options.redirectUris ?? [],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        post_logout_redirect_uris: [],
      },
      {
        client_id: SERVICE_CLIENT.id,
        client_secret: SERVICE_CLIENT.secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    jwks: { keys: [privateJwk] },
    cookies: { keys: ['fake-lms-cookie-signing-key'] },
    // The LMS's paths. Its key set is served below, so that tests can rotate keys.
    routes: {
      authorization: '/oauth2/authorize',
      token: '/oauth2/access_token',
      jwks: '/oauth2/provider-jwks',
      end_session: '/oauth2/session/end',
      userinfo: '/oauth2/userinfo',
    },
    scopes: ['openid', 'profile', 'email', 'user_id'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'] },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 3600,
      ClientCredentials: 3600,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // LMS-style requests (no `openid`) get a JWT for Laurel's API; OpenID Connect requests get an
        // access token for the provider's own user-info endpoint, as a generic OIDC provider would.
        defaultResource: (ctx: KoaContextWithOIDC) => {
          const scope = ctx.oidc.params?.scope ?? ctx.oidc.entities.AuthorizationCode?.scope ?? '';
          return String(scope).split(' ').includes('openid') ? undefined : RESOURCE;
        },
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          audience,
          scope: 'user_id profile email',
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    async findAccount(_ctx, id) {
      const user = findUser(id);
      if (!user) return undefined;
      return {
        accountId: user.username,
        claims: async () => ({
          sub: user.username,
          preferred_username: user.username,
          email: user.email,
          name: user.name,
        }),
      };
    },
    async extraTokenClaims(_ctx: KoaContextWithOIDC, token) {
      const username = 'accountId' in token && token.accountId ? token.accountId : SERVICE_CLIENT.username;
      const user = findUser(String(username));
      return user ? lmsClaims(user) : undefined;
    },
    // The LMS's own apps are trusted: no consent screen.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client?.clientId,
        accountId: ctx.oidc.session?.accountId,
      });
      grant.addOIDCScope('openid profile email user_id');
      grant.addResourceScope(RESOURCE, 'user_id profile email');
      await grant.save();
      return grant;
    },
  });
  provider.on('server_error', () => {});
  const oidcCallback = provider.callback();

  async function accountsApi(req: IncomingMessage, res: ServerResponse, path: URL) {
    counts.accounts += 1;
    const token = /^(?:JWT|Bearer) (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    try {
      if (!token) throw new Error('no token');
      await jwtVerify(token, createLocalJWKSet({ keys: keys.map((k) => k.publicJwk) }), { issuer });
    } catch {
      sendJson(res, 401, { detail: 'Authentication credentials were not provided.' });
      return;
    }
    const account = (user: FakeLmsUser) => ({
      username: user.username,
      name: user.name,
      email: user.email,
      id: user.userId,
      is_active: true,
      date_joined: '2024-01-01T00:00:00Z',
    });
    const one = /^\/api\/user\/v1\/accounts\/([^/]+)\/?$/.exec(path.pathname);
    if (one?.[1]) {
      const user = findUser(decodeURIComponent(one[1]));
      if (user) sendJson(res, 200, account(user));
      else sendJson(res, 404, { detail: 'Not found.' });
      return;
    }
    const names = (path.searchParams.get('username') ?? '').split(',').filter(Boolean);
    sendJson(
      res,
      200,
      names
        .map(findUser)
        .filter((u): u is FakeLmsUser => Boolean(u))
        .map(account),
    );
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', url);
    if (path.pathname === '/oauth2/jwks') {
      counts.jwks += 1;
      sendJson(res, 200, { keys: keys.map((k) => k.publicJwk) });
      return;
    }
    if (path.pathname.startsWith('/api/user/v1/accounts')) {
      void accountsApi(req, res, path);
      return;
    }
    if (path.pathname === '/logout') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>Signed out</title><p>You are signed out of the LMS.</p>');
      return;
    }
    if (path.pathname === '/oauth2/access_token') counts.token += 1;
    // OpenID Connect discovery for the issuer `<url>/oauth2`, served by the provider at its root.
    if (path.pathname === '/oauth2/.well-known/openid-configuration')
      req.url = '/.well-known/openid-configuration';
    if (/^\/(oauth2|interaction|\.well-known)\//.test(path.pathname)) {
      void oidcCallback(req, res);
      return;
    }
    sendJson(res, 404, { detail: 'Not found.' });
  });

  return {
    url,
    issuer,
    jwksUri: `${issuer}/jwks`,
    users,
    counts,
    async mintToken(claims, mint = {}) {
      const key = current();
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: mint.kid ?? key.kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(mint.expiresIn ?? '5m')
        .sign(mint.key ?? key.privateKey);
    },
    async rotateKeys({ dropOld = false } = {}) {
      const key = await newSigningKey(`lms-key-${keys.length + 1}`);
      if (dropOld) keys.splice(0, keys.length);
      keys.push(key);
      return key.kid;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
