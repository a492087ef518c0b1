import type { FastifyRequest } from 'fastify';
import { AuthenticationError, PermissionDeniedError } from '../../platform/errors.ts';
import { type Permission, SELF_PERMISSIONS } from '../users/permissions.ts';

/** The authenticated caller of a request. */
export interface Principal {
  userId: number;
  username: string;
  roles: string[];
  permissions: ReadonlySet<Permission>;
  /** `jwt`: Authorization header. `jwt-cookie` and `session` are cookies, so state changes need CSRF. */
  via: 'jwt' | 'jwt-cookie' | 'session';
}

/** The object a check is about, when it belongs to someone. */
export interface Resource {
  ownerUsername?: string | null;
}

/**
 * The one authorization rule every route uses: the caller must be authenticated (401), and hold the
 * permission, or act on their own data with a permission any user has on what is theirs (else 403).
 * Usernames compare case-insensitively, as in Open edX.
 */
export function authorize(
  principal: Principal | undefined,
  permission: Permission,
  resource: Resource = {},
): Principal {
  if (!principal) throw new AuthenticationError();
  if (principal.permissions.has(permission)) return principal;
  const owner = resource.ownerUsername;
  if (owner && owner.toLowerCase() === principal.username.toLowerCase() && SELF_PERMISSIONS.has(permission)) {
    return principal;
  }
  throw new PermissionDeniedError();
}

/** Route option `preValidation: requirePermission('audit:read')`: checked before the input, as DRF does. */
export function requirePermission(permission: Permission) {
  return async (request: FastifyRequest) => {
    authorize(request.principal, permission);
  };
}

/** Route option for routes any signed-in caller may use. */
export async function requireAuthentication(request: FastifyRequest): Promise<void> {
  if (!request.principal) throw new AuthenticationError();
}
