import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticationError } from '../../platform/errors.ts';
import type { UsersService } from '../users/users.service.ts';
import type { Principal } from './authorize.ts';
import { checkCsrf, isSafeMethod } from './csrf.ts';
import type { JwtIdentity, JwtVerifier } from './jwt-verifier.ts';
import type { SessionsService } from './sessions.service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, if any. */
    principal?: Principal;
  }
}

export const SESSION_COOKIE = 'laurel_session';
/** The Open edX JWT cookie pair, set by the LMS for its front ends. */
export const JWT_HEADER_PAYLOAD_COOKIE = 'edx-jwt-cookie-header-payload';
export const JWT_SIGNATURE_COOKIE = 'edx-jwt-cookie-signature';

export interface AuthenticationDeps {
  verifyJwt: JwtVerifier;
  users: UsersService;
  sessions: SessionsService;
  secretKey: string;
}

/** The `administrator` claim of an LMS token grants the admin role for that token, as Open edX does. */
export const claimRolesOf = (identity: Pick<JwtIdentity, 'administrator'>): string[] =>
  identity.administrator ? ['admin'] : [];

/**
 * Works out who is calling, from (in order) an `Authorization: JWT|Bearer <token>` header, the Open
 * edX JWT cookie pair, or a Laurel session cookie. A bad header is a 401; a stale cookie just means
 * anonymous. Cookie-authenticated state changes must carry a CSRF token.
 */
export function registerAuthentication(app: FastifyInstance, deps: AuthenticationDeps): void {
  const { verifyJwt, users, sessions, secretKey } = deps;

  async function fromToken(
    request: FastifyRequest,
    token: string,
    via: Principal['via'],
  ): Promise<Principal> {
    const identity = await verifyJwt(token);
    const user = await users.syncFromClaims(identity, {
      label: identity.username,
      source: 'api',
      requestId: request.id,
    });
    const access = await users.accessOf(user, request.site.id, claimRolesOf(identity));
    return { userId: user.id, username: user.username, ...access, via };
  }

  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<Principal | undefined> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^(?:JWT|Bearer) +([A-Za-z0-9_.-]+)$/i.exec(header.trim());
      if (!match?.[1]) throw new AuthenticationError('Invalid Authorization header: expected "JWT <token>".');
      return fromToken(request, match[1], 'jwt');
    }

    const headerPayload = request.cookies[JWT_HEADER_PAYLOAD_COOKIE];
    const signature = request.cookies[JWT_SIGNATURE_COOKIE];
    if (headerPayload && signature) {
      try {
        return await fromToken(request, `${headerPayload}.${signature}`, 'jwt-cookie');
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
      }
    }

    const token = request.cookies[SESSION_COOKIE];
    if (!token) return undefined;
    const session = await sessions.resolve(token, request.site.id);
    if (!session) {
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return undefined;
    }
    const access = await users.accessOf(
      { id: session.userId, username: session.username },
      request.site.id,
      session.claimRoles,
    );
    return { userId: session.userId, username: session.username, ...access, via: 'session' };
  }

  app.decorateRequest('principal', undefined);
  // Callback hooks: they run on every request, and a visitor who sends neither header has nothing
  // to wait for (most certificate page views).
  app.addHook('onRequest', (request, reply, done) => {
    const anonymous = request.headers.authorization === undefined && request.headers.cookie === undefined;
    if (request.routeOptions.config?.siteless || anonymous) return done();
    authenticate(request, reply).then((principal) => {
      request.principal = principal;
      done();
    }, done);
  });
  app.addHook('preHandler', (request, _reply, done) => {
    const viaCookie = request.principal && request.principal.via !== 'jwt';
    try {
      if (viaCookie && !isSafeMethod(request.method)) checkCsrf(request, secretKey);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
}
