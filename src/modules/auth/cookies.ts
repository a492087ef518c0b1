import type { CookieSerializeOptions } from '@fastify/cookie';

/** Laurel's cookies: never readable by scripts, sent on top-level navigation only, Secure on https. */
export function cookieOptions(secure: boolean, extra: CookieSerializeOptions = {}): CookieSerializeOptions {
  return { httpOnly: true, sameSite: 'lax', secure, path: '/', ...extra };
}
