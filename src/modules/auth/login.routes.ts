import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import Type from 'typebox';
import { AuthenticationError, RateLimitedError } from '../../platform/errors.ts';
import { requestOrigin } from '../../platform/http/origin.ts';
import { isValidUsername } from '../users/usernames.ts';
import type { UsersService } from '../users/users.service.ts';
import { SESSION_COOKIE, claimRolesOf } from './authentication.ts';
import { cookieOptions } from './cookies.ts';
import { checkCsrf, csrfToken } from './csrf.ts';
import type { JwtVerifier } from './jwt-verifier.ts';
import { safeNext } from './safe-next.ts';
import type { SessionsService } from './sessions.service.ts';
import type { SignInProvider, SignInProviders } from './sign-in-providers.ts';

export interface LoginRoutesDeps {
  users: UsersService;
  sessions: SessionsService;
  providers: SignInProviders;
  verifyJwt: JwtVerifier;
  secretKey: string;
  secureCookies: boolean;
}

/** What the browser carries between /login/ and /login/callback/, signed and short-lived. */
interface PendingSignIn {
  state: string;
  nonce?: string;
  verifier: string;
  next: string;
  siteId: number;
  expires: number;
}

const LOGIN_COOKIE = 'laurel_login';
const LOGIN_WINDOW_MS = 10 * 60_000;

export function loginRoutes(deps: LoginRoutesDeps) {
  const { users, sessions, providers, verifyJwt, secretKey, secureCookies } = deps;
  const callbackUrl = (request: FastifyRequest) => `${requestOrigin(request)}/login/callback/`;

  async function startSession(
    request: FastifyRequest,
    reply: FastifyReply,
    session: Parameters<SessionsService['create']>[0],
    next: string,
  ) {
    // A new token at every sign-in: a session id planted before login is never promoted.
    const previous = request.cookies[SESSION_COOKIE];
    if (previous) await sessions.end(previous);
    const token = await sessions.create(session);
    reply.setCookie(SESSION_COOKIE, token, cookieOptions(secureCookies, { maxAge: sessions.maxAgeSeconds }));
    return reply.redirect(next, 303);
  }

  function readPending(request: FastifyRequest): PendingSignIn | null {
    const raw = request.cookies[LOGIN_COOKIE];
    if (!raw) return null;
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || !unsigned.value) return null;
    try {
      const pending = JSON.parse(Buffer.from(unsigned.value, 'base64url').toString('utf8')) as PendingSignIn;
      return pending.siteId === request.site.id && pending.expires > Date.now() ? pending : null;
    } catch {
      return null;
    }
  }

  const failed = (reply: FastifyReply, message: string, status = 400) =>
    reply.page(
      'message',
      { title: 'Sign-in failed', message, link: '/login/', link_text: 'Try again' },
      status,
    );

  /** The user a provider's answer names: the verified LMS token, or the OIDC ID token and user info. */
  async function identityFrom(
    provider: SignInProvider,
    tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  ) {
    if (provider.kind === 'lms') {
      const identity = await verifyJwt(tokens.access_token);
      return { identity, claimRoles: claimRolesOf(identity) };
    }
    // Providers differ in what they put in the ID token; the user-info endpoint has the rest.
    const idClaims = tokens.claims();
    const claims: Record<string, unknown> =
      idClaims && isValidUsername(idClaims.preferred_username)
        ? idClaims
        : await oidc.fetchUserInfo(
            provider.config,
            tokens.access_token,
            idClaims?.sub ?? oidc.skipSubjectCheck,
          );
    const username = claims.preferred_username;
    if (!isValidUsername(username)) {
      throw new AuthenticationError('The provider did not give a usable username (preferred_username).');
    }
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    return { identity: { username, email: text(claims.email), fullName: text(claims.name) }, claimRoles: [] };
  }

  return async (app: FastifyInstance) => {
    // The start page: who is signed in (the learner dashboard grows here).
    app.get('/', { schema: { hide: true } }, async (request, reply) => {
      const user = request.principal ? await users.findByUsername(request.principal.username) : undefined;
      return reply.page('home', { title: 'Home', display_name: user?.fullName || user?.username });
    });

    app.get(
      '/csrf/api/v1/token',
      {
        schema: {
          tags: ['auth'],
          summary: 'A CSRF token for cookie-authenticated requests',
          response: { 200: Type.Object({ csrfToken: Type.String() }) },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return { csrfToken: csrfToken(request, reply, secretKey, secureCookies) };
      },
    );

    app.get('/login/', { schema: { hide: true } }, async (request, reply) => {
      const next = safeNext((request.query as Record<string, unknown>).next);
      const provider = await providers.forSite(request.site);
      if (!provider) return reply.redirect(`/login/local/?next=${encodeURIComponent(next)}`, 302);

      const verifier = oidc.randomPKCECodeVerifier();
      const pending: PendingSignIn = {
        state: oidc.randomState(),
        nonce: provider.kind === 'oidc' ? oidc.randomNonce() : undefined,
        verifier,
        next,
        siteId: request.site.id,
        expires: Date.now() + LOGIN_WINDOW_MS,
      };
      const url = oidc.buildAuthorizationUrl(provider.config, {
        redirect_uri: callbackUrl(request),
        scope: provider.scope,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        ...(pending.nonce && { nonce: pending.nonce }),
      });
      reply.setCookie(
        LOGIN_COOKIE,
        Buffer.from(JSON.stringify(pending)).toString('base64url'),
        cookieOptions(secureCookies, { signed: true, path: '/login/', maxAge: LOGIN_WINDOW_MS / 1000 }),
      );
      return reply.redirect(url.href, 302);
    });

    app.get('/login/callback/', { schema: { hide: true } }, async (request, reply) => {
      const pending = readPending(request);
      reply.clearCookie(LOGIN_COOKIE, { path: '/login/' });
      if (!pending)
        return failed(reply, 'The sign-in took too long or was not started here. Please try again.');
      const provider = await providers.forSite(request.site);
      if (!provider) return failed(reply, 'Sign-in through a provider is not set up for this site.');

      let tokens;
      try {
        tokens = await oidc.authorizationCodeGrant(
          provider.config,
          new URL(request.url, requestOrigin(request)),
          {
            pkceCodeVerifier: pending.verifier,
            expectedState: pending.state,
            expectedNonce: pending.nonce,
            idTokenExpected: provider.kind === 'oidc',
          },
          provider.kind === 'lms' ? { token_type: 'jwt' } : undefined,
        );
      } catch (error) {
        request.log.warn({ err: error }, 'sign-in: authorization code exchange refused');
        return failed(reply, 'The sign-in could not be completed. Please try again.');
      }
      let signedIn;
      try {
        signedIn = await identityFrom(provider, tokens);
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        return failed(reply, error.message);
      }
      const user = await users.syncFromClaims(signedIn.identity, {
        label: signedIn.identity.username,
        source: 'api',
        requestId: request.id,
      });
      return startSession(
        request,
        reply,
        {
          siteId: request.site.id,
          userId: user.id,
          method: provider.kind,
          claimRoles: signedIn.claimRoles,
          providerLogoutUrl: provider.logoutUrl,
        },
        pending.next,
      );
    });

    app.get('/login/local/', { schema: { hide: true } }, async (request, reply) => {
      const next = safeNext((request.query as Record<string, unknown>).next);
      return reply.page('login', {
        title: 'Sign in',
        next,
        csrf_token: csrfToken(request, reply, secretKey, secureCookies),
      });
    });

    app.post(
      '/login/local/',
      {
        schema: {
          hide: true,
          body: Type.Object({
            username: Type.String({ maxLength: 254 }),
            password: Type.String({ maxLength: 1024 }),
            next: Type.Optional(Type.String({ maxLength: 2000 })),
            csrfmiddlewaretoken: Type.Optional(Type.String({ maxLength: 200 })),
          }),
        },
        config: { rateLimit: { max: 10, timeWindow: 60_000 } },
      },
      async (request, reply) => {
        checkCsrf(request, secretKey);
        const body = request.body as { username: string; password: string; next?: string };
        const next = safeNext(body.next);
        const again = (error: string, status: number) =>
          reply.page(
            'login',
            {
              title: 'Sign in',
              error,
              next,
              username: body.username,
              csrf_token: csrfToken(request, reply, secretKey, secureCookies),
            },
            status,
          );
        let user;
        try {
          user = await users.authenticateLocal(body.username.trim(), body.password);
        } catch (error) {
          if (!(error instanceof RateLimitedError)) throw error;
          reply.headers(error.headers);
          return again('Too many failed attempts. This account is locked for a few minutes.', 429);
        }
        if (!user) return again('Incorrect username or password.', 400);
        return startSession(
          request,
          reply,
          { siteId: request.site.id, userId: user.id, method: 'local' },
          next,
        );
      },
    );

    /** Ends the session; returns where the provider's own session can be ended, if anywhere. */
    const endSession = async (request: FastifyRequest, reply: FastifyReply): Promise<string | null> => {
      const token = request.cookies[SESSION_COOKIE];
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      if (!token) return null;
      const session = await sessions.resolve(token, request.site.id);
      await sessions.end(token);
      return session?.providerLogoutUrl ?? null;
    };

    // The form on every page. A page rather than a redirect: the strict CSP (form-action 'self')
    // rightly stops a form's redirect to another origin, so the LMS sign-out is offered as a link.
    app.post('/logout/', { schema: { hide: true } }, async (request, reply) => {
      const providerLogoutUrl = await endSession(request, reply);
      request.principal = undefined;
      return reply.page('signed-out', { title: 'Signed out', provider_logout_url: providerLogoutUrl });
    });

    // A plain link, as Open edX has: straight on to the provider's sign-out.
    app.get('/logout/', { schema: { hide: true } }, async (request, reply) => {
      const providerLogoutUrl = await endSession(request, reply);
      return reply.redirect(providerLogoutUrl ?? '/', 303);
    });
  };
}
