/**
 * The named permissions routes check, and the built-in roles that bundle them. The built-in roles are
 * seeded by migration; a test keeps that seed equal to this list.
 */
export const PERMISSIONS = [
  'credentials:read',
  'credentials:issue',
  'credentials:revoke',
  'grades:read',
  'grades:write',
  'config:read',
  'config:write',
  'course-certificates:write',
  'catalog:read',
  'catalog:sync',
  'records:read',
  'learner-status:read',
  'users:read',
  'users:write',
  'users:replace',
  'audit:read',
  'sites:write',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const BUILT_IN_ROLES: Record<
  'admin' | 'support' | 'issuer',
  { description: string; permissions: readonly Permission[] }
> = {
  admin: { description: 'Everything on the site.', permissions: PERMISSIONS },
  support: {
    description: 'Read-only staff: sees credentials, grades, records, configuration and the audit log.',
    permissions: PERMISSIONS.filter((p) => p.endsWith(':read')),
  },
  issuer: {
    description: 'Services that issue and revoke credentials and report grades (the LMS).',
    permissions: [
      'credentials:read',
      'credentials:issue',
      'course-certificates:write',
      'credentials:revoke',
      'grades:read',
      'grades:write',
      'catalog:read',
      'learner-status:read',
    ],
  },
};

/** What any signed-in user may do with data that is their own (checked with the owner's username). */
export const SELF_PERMISSIONS: ReadonlySet<Permission> = new Set([
  'credentials:read',
  'grades:read',
  'records:read',
  'users:read',
]);

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
