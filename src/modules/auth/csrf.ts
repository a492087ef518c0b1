import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PermissionDeniedError } from '../../platform/errors.ts';
import { requestOrigin } from '../../platform/http/origin.ts';
import { cookieOptions } from './cookies.ts';

/**
 * CSRF protection for cookie-authenticated requests. A random secret lives in an httpOnly cookie; the
 * token a page or front end sends back (header `X-CSRFToken`, or form field `csrfmiddlewaretoken`, as
 * Django names them) is an HMAC of that secret under SECRET_KEY. Another site can neither read the
 * cookie nor compute the token.
 */
export const CSRF_COOKIE = 'laurel_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method);
}

function tokenFor(secretKey: string, secret: string): string {
  return createHmac('sha256', secretKey).update(`csrf:${secret}`).digest('base64url');
}

/** The request's CSRF token, setting a new secret cookie when it has none. */
export function csrfToken(
  request: FastifyRequest,
  reply: FastifyReply,
  secretKey: string,
  secure: boolean,
): string {
  let secret = request.cookies[CSRF_COOKIE];
  if (!secret || !/^[A-Za-z0-9_-]{43}$/.test(secret)) {
    secret = randomBytes(32).toString('base64url');
    reply.setCookie(CSRF_COOKIE, secret, cookieOptions(secure));
    request.cookies[CSRF_COOKIE] = secret;
  }
  return tokenFor(secretKey, secret);
}

function submittedToken(request: FastifyRequest): string | undefined {
  const header = request.headers['x-csrftoken'] ?? request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const body = request.body as Record<string, unknown> | undefined;
  const field = body && typeof body === 'object' ? body.csrfmiddlewaretoken : undefined;
  return typeof field === 'string' ? field : undefined;
}

/** Throws 403 unless the request carries the token for its CSRF cookie and comes from this site. */
export function checkCsrf(request: FastifyRequest, secretKey: string): void {
  const origin = request.headers.origin;
  if (origin && origin !== 'null') {
    // Both through URL, so default ports compare equal (`localhost` and `localhost:80`).
    if (URL.parse(origin)?.origin !== requestOrigin(request))
      throw new PermissionDeniedError('CSRF Failed: Origin checking failed.');
  }
  const secret = request.cookies[CSRF_COOKIE];
  const submitted = submittedToken(request);
  if (!secret || !submitted) throw new PermissionDeniedError('CSRF Failed: CSRF token missing.');
  const expected = Buffer.from(tokenFor(secretKey, secret));
  const given = Buffer.from(submitted);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new PermissionDeniedError('CSRF Failed: CSRF token incorrect.');
  }
}
