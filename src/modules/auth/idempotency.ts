import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Cache } from '../../platform/cache/index.ts';
import { AppError, ConflictError, ValidationError } from '../../platform/errors.ts';

/** How long an answer is replayed for the same key. */
const KEEP_SECONDS = 24 * 3600;
/** How long a request may hold its key before another with the same key is let through. */
const IN_PROGRESS_SECONDS = 60;
const KEY = /^[\x21-\x7e]{1,255}$/;

interface Stored {
  state: 'in-progress' | 'done';
  fingerprint: string;
  statusCode?: number;
  body?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyCacheKey?: string;
  }
  interface FastifyContextConfig {
    /** A POST that only reads (a query too large for a URL): answered afresh, never replayed. */
    changesNothing?: boolean;
  }
}

/**
 * `Idempotency-Key` on every POST of the API: a retried request with the same key (same caller, path
 * and body) gets the first answer again instead of acting twice. The same key with another body is a
 * 422; while the first is still running, a 409. Runs after the route's permission check, so a
 * replay is only ever given to a caller allowed to make the request.
 */
export function registerIdempotency(app: FastifyInstance, cache: Cache): void {
  // An upload's bytes as they are; anything else as JSON.
  const fingerprintOf = ({ body }: FastifyRequest) =>
    createHash('sha256')
      .update(Buffer.isBuffer(body) ? body : JSON.stringify(body ?? null))
      .digest('hex');

  async function preHandler(request: FastifyRequest, reply: FastifyReply) {
    const key = request.headers['idempotency-key'];
    if (key === undefined) return;
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw ValidationError.field('Idempotency-Key', 'Must be 1 to 255 printable characters.');
    }
    const caller = request.principal?.userId ?? `ip:${request.ip}`;
    const cacheKey = `idempotency:${request.site.id}:${caller}:${request.method}:${request.url}:${key}`;
    const fingerprint = fingerprintOf(request);
    if (await cache.add<Stored>(cacheKey, { state: 'in-progress', fingerprint }, IN_PROGRESS_SECONDS)) {
      request.idempotencyCacheKey = cacheKey;
      return;
    }
    const stored = await cache.get<Stored>(cacheKey);
    if (stored && stored.fingerprint !== fingerprint) {
      throw new AppError(422, 'This Idempotency-Key was used with a different request.');
    }
    if (!stored || stored.state === 'in-progress')
      throw new ConflictError('A request with this Idempotency-Key is in progress.');
    return reply
      .status(stored.statusCode ?? 200)
      .header('idempotent-replayed', 'true')
      .type('application/json; charset=utf-8')
      .send(stored.body);
  }

  async function onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
    const cacheKey = request.idempotencyCacheKey;
    if (!cacheKey) return payload;
    const retryable = reply.statusCode >= 500 || reply.statusCode === 409 || reply.statusCode === 429;
    if (retryable || typeof payload !== 'string') {
      // Nothing worth replaying: let a retry act.
      await cache.delete(cacheKey);
    } else {
      await cache.set<Stored>(
        cacheKey,
        { state: 'done', fingerprint: fingerprintOf(request), statusCode: reply.statusCode, body: payload },
        KEEP_SECONDS,
      );
    }
    return payload;
  }

  // Only on the API's POST routes (registered after this), so other requests pay nothing for it.
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (!methods.includes('POST') || !route.url.startsWith('/api/') || route.config?.changesNothing) return;
    route.preHandler = [route.preHandler ?? []].flat().concat(preHandler);
    route.onSend = [route.onSend ?? []].flat().concat(onSend);
  });
}
