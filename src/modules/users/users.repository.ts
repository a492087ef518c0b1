import { and, asc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import { type Db, preparedPer } from '../../platform/db/database.ts';
import { rolePermissions, roles, userRoles, users } from './users.schema.ts';

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

export function createUsersRepository() {
  /**
   * Users by lower-cased usernames given as one JSON parameter (a thousand names bind cheaply),
   * prepared: every batch of issued credentials looks its learners up.
   */
  const byUsernames = preparedPer((db: Db) =>
    db
      .select()
      .from(users)
      .where(
        sql`lower(${users.username}) in
          (select jsonb_array_elements_text(${sql.placeholder('names')}::jsonb))`,
      )
      .prepare('users_by_usernames'),
  );

  return {
    async findByUsername(db: Db, username: string): Promise<User | undefined> {
      const [user] = await db
        .select()
        .from(users)
        .where(eq(sql`lower(${users.username})`, username.toLowerCase()));
      return user;
    },

    async findByLmsUserId(db: Db, lmsUserId: number): Promise<User | undefined> {
      const [user] = await db
        .select()
        .from(users)
        .where(eq(users.lmsUserId, lmsUserId))
        .orderBy(asc(users.id))
        .limit(1);
      return user;
    },

    /** Users lacking a name or an LMS id, in id order after `afterId`, `limit` at a time. */
    async lackingLmsData(db: Db, afterId: number, limit: number): Promise<User[]> {
      return db
        .select()
        .from(users)
        .where(and(gt(users.id, afterId), or(eq(users.fullName, ''), isNull(users.lmsUserId))))
        .orderBy(asc(users.id))
        .limit(limit);
    },

    async insert(db: Db, values: NewUser): Promise<User> {
      const [user] = await db.insert(users).values(values).returning();
      if (!user) throw new Error('insert into users returned no row');
      return user;
    },

    /** Users by username, case-insensitively. */
    async findByUsernames(db: Db, usernames: string[]): Promise<User[]> {
      if (usernames.length === 0) return [];
      return byUsernames(db).execute({
        names: JSON.stringify(usernames.map((name) => name.toLowerCase())),
      });
    },

    /** Creates the users not there yet; returns those it created (others raced in, or existed). */
    async insertMissing(db: Db, values: NewUser[]): Promise<User[]> {
      if (values.length === 0) return [];
      return db.insert(users).values(values).onConflictDoNothing().returning();
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

    /** The permissions bundled by these roles (unknown names contribute nothing). */
    async permissionsOf(db: Db, roleNames: string[]): Promise<string[]> {
      if (roleNames.length === 0) return [];
      const rows = await db
        .selectDistinct({ permission: rolePermissions.permission })
        .from(rolePermissions)
        .innerJoin(roles, eq(roles.id, rolePermissions.roleId))
        .where(inArray(roles.name, roleNames));
      return rows.map((row) => row.permission);
    },

    async roleExists(db: Db, name: string): Promise<boolean> {
      const [row] = await db.select({ id: roles.id }).from(roles).where(eq(roles.name, name));
      return Boolean(row);
    },

    /** Replaces the user's roles on one site with exactly `roleNames`; returns what was added and removed. */
    async setSiteRoles(db: Db, userId: number, siteId: number, roleNames: string[]) {
      const current = await db
        .select({ id: userRoles.id, name: roles.name })
        .from(userRoles)
        .innerJoin(roles, eq(roles.id, userRoles.roleId))
        .where(and(eq(userRoles.userId, userId), eq(userRoles.siteId, siteId)));
      const removed = current.filter((row) => !roleNames.includes(row.name));
      if (removed.length > 0)
        await db.delete(userRoles).where(
          inArray(
            userRoles.id,
            removed.map((row) => row.id),
          ),
        );
      const added: string[] = [];
      for (const name of roleNames) {
        if (current.some((row) => row.name === name)) continue;
        await this.grantRole(db, userId, name, siteId);
        added.push(name);
      }
      return { added, removed: removed.map((row) => row.name) };
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
