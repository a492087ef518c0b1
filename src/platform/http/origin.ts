import type { FastifyRequest } from 'fastify';

/** The origin the request was sent to (`https://host`), default ports dropped. */
export function requestOrigin(request: FastifyRequest): string {
  return new URL(`${request.protocol}://${request.host}`).origin;
}
