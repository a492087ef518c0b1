import type { FastifyRequest } from 'fastify';
import type { Actor } from '../audit/audit.service.ts';
import { authorize } from './authorize.ts';

/** The audit actor for an API request: the authenticated caller and the request id. */
export function actorOf(request: FastifyRequest): Actor {
  const principal = authorize(request.principal, 'users:read', {
    ownerUsername: request.principal?.username,
  });
  return { userId: principal.userId, label: principal.username, source: 'api', requestId: request.id };
}
