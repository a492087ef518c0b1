import type { FastifyContextConfig } from 'fastify';

/**
 * Route config for Open edX's API throttles: a budget per minute per caller, shared by the routes of
 * one scope; callers holding any role (staff, services) are not throttled. Counted after
 * authentication, in Redis when REDIS_URL is set; an exceeded budget is a 429 with Retry-After.
 */
export function throttle(scope: string, perMinute: number): FastifyContextConfig {
  return {
    rateLimit: {
      max: perMinute,
      timeWindow: 60_000,
      hook: 'preHandler',
      groupId: scope,
      keyGenerator: (request) =>
        request.principal ? `${scope}:user:${request.principal.userId}` : `${scope}:ip:${request.ip}`,
      allowList: (request) => (request.principal?.roles.length ?? 0) > 0,
    },
  };
}

/** The Open edX rates: non-staff may make 15 credential and 90 grade requests a minute. */
export const CREDENTIALS_THROTTLE = throttle('credentials', 15);
export const GRADES_THROTTLE = throttle('grades', 90);
