import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf } from '../auth/actor.ts';
import { authorize, requireAuthentication, requirePermission } from '../auth/authorize.ts';
import type { User, UsersService } from './users.service.ts';

const UserOut = Type.Object(
  {
    username: Type.String(),
    email: Type.String(),
    full_name: Type.String(),
    lms_user_id: Type.Union([Type.Integer(), Type.Null()]),
    is_active: Type.Boolean(),
  },
  { $id: 'User' },
);
const Me = Type.Object({
  username: Type.String(),
  roles: Type.Array(Type.String()),
  permissions: Type.Array(Type.String()),
  authenticated_by: Type.String(),
});
const Roles = Type.Object({
  roles: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 20 }),
});
const UsernameParams = Type.Object({ username: Type.String({ minLength: 1, maxLength: 150 }) });

const toUserOut = (user: User) => ({
  username: user.username,
  email: user.email,
  full_name: user.fullName,
  lms_user_id: user.lmsUserId,
  is_active: user.isActive,
});

const Mapping = Type.Record(
  Type.String({ minLength: 1, maxLength: 150 }),
  Type.String({ minLength: 1, maxLength: 150 }),
  {
    minProperties: 1,
    maxProperties: 1,
  },
);
const Replacements = Type.Object(
  { username_mappings: Type.Array(Mapping, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

export function usersRoutes(users: UsersService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/v2/replace_usernames/',
      {
        preValidation: requirePermission('users:replace'),
        // Each pair is checked on its own: a name that is no username fails its pair, not the request.
        config: { checksOwnText: true },
        schema: {
          tags: ['users'],
          summary: 'Rename (or retire) users, as the LMS asks; each pair succeeds or fails on its own',
          body: Replacements,
          response: {
            200: Type.Object({
              successful_replacements: Type.Array(Type.Record(Type.String(), Type.String())),
              failed_replacements: Type.Array(Type.Record(Type.String(), Type.String())),
            }),
          },
        },
      },
      async (request) => {
        const mappings = request.body.username_mappings.map(
          (mapping) => Object.entries(mapping)[0] as [string, string],
        );
        const { successful, failed } = await users.replaceUsernames(mappings, actorOf(request));
        return { successful_replacements: successful, failed_replacements: failed };
      },
    );

    app.get(
      '/api/v2/users/me/',
      {
        preValidation: requireAuthentication,
        schema: { tags: ['users'], summary: 'Who the caller is on this site', response: { 200: Me } },
      },
      async (request) => {
        const principal = authorize(request.principal, 'users:read', {
          ownerUsername: request.principal?.username,
        });
        return {
          username: principal.username,
          roles: principal.roles,
          permissions: [...principal.permissions].sort(),
          authenticated_by: principal.via,
        };
      },
    );

    app.get(
      '/api/v2/users/:username/',
      {
        preValidation: requireAuthentication,
        schema: {
          tags: ['users'],
          summary: 'A user (staff, or the user themself)',
          params: UsernameParams,
          response: { 200: UserOut },
        },
      },
      async (request) => {
        authorize(request.principal, 'users:read', { ownerUsername: request.params.username });
        return toUserOut(await users.getByUsername(request.params.username));
      },
    );

    app.get(
      '/api/v2/users/:username/roles/',
      {
        preValidation: requireAuthentication,
        schema: {
          tags: ['users'],
          summary: "A user's roles on this site",
          params: UsernameParams,
          response: { 200: Roles },
        },
      },
      async (request) => {
        authorize(request.principal, 'users:read', { ownerUsername: request.params.username });
        const user = await users.getByUsername(request.params.username);
        return { roles: (await users.accessOf(user, request.site.id)).roles };
      },
    );

    app.put(
      '/api/v2/users/:username/roles/',
      {
        preValidation: requirePermission('users:write'),
        schema: {
          tags: ['users'],
          summary: "Set a user's roles on this site",
          params: UsernameParams,
          body: Type.Object({ roles: Roles.properties.roles }, { additionalProperties: false }),
          response: { 200: Roles },
        },
      },
      async (request) => {
        authorize(request.principal, 'users:write');
        const roles = await users.setSiteRoles(
          request.params.username,
          request.site.id,
          request.body.roles,
          actorOf(request),
        );
        return { roles };
      },
    );
  };
}
