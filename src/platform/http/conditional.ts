import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/**
 * Whether the request's `If-None-Match` matches `etag` (RFC 9110 §13.1.2): `*`, or any tag of its
 * list compared weakly (`W/"x"` matches `"x"`). Proxies that compress responses weaken ETags, so an
 * exact comparison would never answer them 304.
 */
export function notModified(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === opaque);
}

/** A strong ETag for the exact bytes of `parts`, taken together. */
export function strongEtag(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return `"${hash.digest('base64url').slice(0, 32)}"`;
}
