import type { FastifyRequest } from 'fastify';
import { AuthenticationError } from '../../platform/errors.ts';
import type { Actor } from '../audit/audit.service.ts';

/** The audit actor for an API request: the authenticated caller and the request id. */
export function actorOf(request: FastifyRequest): Actor {
  const { principal } = request;
  if (!principal) throw new AuthenticationError();
  return { userId: principal.userId, label: principal.username, source: 'api', requestId: request.id };
}
