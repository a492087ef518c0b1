import type { Database } from '../../platform/db/database.ts';
import { type Actor, type AuditService, diffForAudit } from '../audit/audit.service.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import type { User, UsersRepository } from './users.repository.ts';

export type { User } from './users.repository.ts';

export interface UsersServiceDeps {
  database: Database;
  repository: UsersRepository;
  audit: AuditService;
}

export function createUsersService({ database, repository, audit }: UsersServiceDeps) {
  const { db } = database;

  return {
    findByUsername: (username: string) => repository.findByUsername(db, username),

    roleNames: (userId: number, siteId: number) => repository.roleNames(db, userId, siteId),

    /**
     * Creates or updates a local administrator (username = email) with the admin role on every site.
     * Writes only what changed; the password is re-hashed only when it no longer matches.
     */
    async ensureLocalAdmin(email: string, password: string, actor: Actor): Promise<User> {
      const existing = await repository.findByUsername(db, email);
      const passwordMatches = existing?.passwordHash
        ? await verifyPassword(password, existing.passwordHash)
        : false;
      const passwordHash = passwordMatches ? existing?.passwordHash : await hashPassword(password);
      return db.transaction(async (tx) => {
        const wanted = { email, isActive: true, passwordHash: passwordHash ?? null };
        let user: User;
        if (!existing) {
          user = await repository.insert(tx, { username: email, ...wanted });
          await audit.record(tx, actor, {
            siteId: null,
            action: 'user.created',
            targetType: 'user',
            targetId: user.id,
            changes: diffForAudit(null, wanted, ['passwordHash', 'email']),
          });
        } else {
          const diff = diffForAudit(existing as Record<string, unknown>, wanted, ['passwordHash', 'email']);
          user = Object.keys(diff).length > 0 ? await repository.update(tx, existing.id, wanted) : existing;
          if (Object.keys(diff).length > 0) {
            await audit.record(tx, actor, {
              siteId: null,
              action: 'user.updated',
              targetType: 'user',
              targetId: user.id,
              changes: diff,
            });
          }
        }
        if (await repository.grantRole(tx, user.id, 'admin', null)) {
          await audit.record(tx, actor, {
            siteId: null,
            action: 'role.granted',
            targetType: 'user',
            targetId: user.id,
            changes: { role: [null, 'admin'], site: [null, 'all'] },
          });
        }
        return user;
      });
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
