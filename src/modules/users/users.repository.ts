import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import { roles, userRoles, users } from './users.schema.ts';

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

export function createUsersRepository() {
  return {
    async findByUsername(db: Db, username: string): Promise<User | undefined> {
      const [user] = await db
        .select()
        .from(users)
        .where(eq(sql`lower(${users.username})`, username.toLowerCase()));
      return user;
    },

    async insert(db: Db, values: NewUser): Promise<User> {
      const [user] = await db.insert(users).values(values).returning();
      if (!user) throw new Error('insert into users returned no row');
      return user;
    },

    async update(db: Db, id: number, values: Partial<NewUser>): Promise<User> {
      const [user] = await db.update(users).set(values).where(eq(users.id, id)).returning();
      if (!user) throw new Error(`user ${id} vanished during update`);
      return user;
    },

    /** Grants a built-in or custom role by name; `siteId` null means every site. Idempotent. */
    async grantRole(db: Db, userId: number, roleName: string, siteId: number | null): Promise<boolean> {
      const [role] = await db.select({ id: roles.id }).from(roles).where(eq(roles.name, roleName));
      if (!role) throw new Error(`role ${roleName} does not exist`);
      const inserted = await db
        .insert(userRoles)
        .values({ userId, roleId: role.id, siteId })
        .onConflictDoNothing()
        .returning({ id: userRoles.id });
      return inserted.length > 0;
    },

    async roleNames(db: Db, userId: number, siteId: number): Promise<string[]> {
      const rows = await db
        .select({ name: roles.name })
        .from(userRoles)
        .innerJoin(roles, eq(roles.id, userRoles.roleId))
        .where(
          and(
            eq(userRoles.userId, userId),
            sql`(${userRoles.siteId} = ${siteId} OR ${isNull(userRoles.siteId)})`,
          ),
        );
      return rows.map((row) => row.name);
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
