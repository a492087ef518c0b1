import { createHash } from 'node:crypto';
import type { Cache } from '../../platform/cache/index.ts';
import { type ChangeTokens, changeKeys } from '../../platform/cache/change-tokens.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { NotFoundError, RateLimitedError, ValidationError } from '../../platform/errors.ts';
import { type Actor, type AuditService, diffForAudit } from '../audit/audit.service.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { type Permission, isPermission } from './permissions.ts';
import type { Site } from '../sites/sites.service.ts';
import type { LmsAccounts } from './lms-accounts.ts';
import { isValidUsername } from './usernames.ts';
import type { User, UsersRepository } from './users.repository.ts';

export type { User } from './users.repository.ts';

/** Who holds what beyond stored role assignments: configured service users and workers. */
export interface AccessPolicy {
  serviceUsers: Record<string, string[]>;
  usernameReplacementWorker?: string;
  learnerStatusWorker?: string;
}

export interface LmsBackfillReport {
  examined: number;
  updated: number;
  unknownToLms: number;
}

export interface UsersServiceDeps {
  lmsAccounts: LmsAccounts;
  database: Database;
  repository: UsersRepository;
  audit: AuditService;
  cache: Cache;
  changes: ChangeTokens;
  clock: Clock;
  policy: AccessPolicy;
}

/** Identity data from a trusted source (a verified JWT, an OIDC ID token). */
export interface ClaimedIdentity {
  username: string;
  email?: string;
  fullName?: string;
  lmsUserId?: number;
}

export interface Access {
  roles: string[];
  permissions: Set<Permission>;
}

/** The LMS retires a user by renaming them to this prefix and a hash. */
const RETIRED_PREFIX = 'retired__user_';
const LOCKOUT_AFTER_FAILURES = 5;
const LOCKOUT_MINUTES = 15;
const ACCESS_CACHE_SECONDS = 60;
const CLAIMS_CACHE_SECONDS = 300;

const claimsKey = (username: string) => `user:claims:${username.toLowerCase()}`;
const rolesKey = (siteId: number, userId: number) => `roles:${siteId}:${userId}`;
const sameName = (a: string | undefined, b: string | undefined) => a?.toLowerCase() === b?.toLowerCase();

export function createUsersService({
  database,
  repository,
  audit,
  cache,
  changes,
  clock,
  policy,
  lmsAccounts,
}: UsersServiceDeps) {
  const { db } = database;
  /** A password hash to compare against when the user does not exist, so timing does not tell. */
  const decoyHash = hashPassword('decoy password that matches nothing');

  /** Audits a committed change to a user; pages showing their name are stale from now on. */
  async function recordChange(actor: Actor, action: string, user: User, diff: Record<string, unknown>) {
    await audit.record(db, actor, {
      siteId: null,
      action,
      targetType: 'user',
      targetId: user.id,
      changes: diff,
    });
    await changes.bump(changeKeys.user(user.id));
  }

  return {
    findByUsername: (username: string) => repository.findByUsername(db, username),

    findByLmsUserId: (lmsUserId: number) => repository.findByLmsUserId(db, lmsUserId),

    async getByUsername(username: string): Promise<User> {
      const user = await repository.findByUsername(db, username);
      if (!user) throw new NotFoundError();
      return user;
    },

    /**
     * The user named by trusted claims, created or updated to match them. Writes only when something
     * changed; an unchanged identity is answered from the cache without touching the database.
     */
    async syncFromClaims(identity: ClaimedIdentity, actor: Actor): Promise<Pick<User, 'id' | 'username'>> {
      const [user] = await this.syncIdentities([{ identity, actor }]);
      if (!user) throw new Error(`user ${identity.username} was not synced`);
      return user;
    },

    /**
     * `syncFromClaims` for many identities at once, set-based (bulk issuance): one lookup for those the
     * cache does not answer, one insert for the new ones. Results are in the order given; a username
     * named twice (in any case) is one user, created or updated by its first identity. `cached: false`
     * neither reads nor fills the cache: for learners named in bulk, who would crowd out callers.
     */
    async syncIdentities(
      entries: { identity: ClaimedIdentity; actor: Actor }[],
      { cached = true }: { cached?: boolean } = {},
    ): Promise<Pick<User, 'id' | 'username'>[]> {
      const wanted = new Map<string, { identity: ClaimedIdentity; actor: Actor; fingerprint: string }>();
      for (const { identity, actor } of entries) {
        // Cached per user with a fingerprint of the claims last written, so any change is written.
        const fingerprint = createHash('sha256').update(JSON.stringify(identity)).digest('base64url');
        // Named twice in one set (in any case), the first identity is the one that counts.
        const name = identity.username.toLowerCase();
        if (!wanted.has(name)) wanted.set(name, { identity, actor, fingerprint });
      }
      const synced = new Map<string, Pick<User, 'id' | 'username'>>();
      if (cached) {
        await Promise.all(
          [...wanted].map(async ([name, { fingerprint }]) => {
            const hit = await cache.get<Pick<User, 'id' | 'username'> & { fingerprint: string }>(
              claimsKey(name),
            );
            if (hit?.fingerprint === fingerprint) synced.set(name, { id: hit.id, username: hit.username });
          }),
        );
      }
      const missed = [...wanted].filter(([name]) => !synced.has(name));
      if (missed.length > 0) {
        const claimsOf = (identity: ClaimedIdentity) => ({
          ...(identity.email !== undefined && { email: identity.email }),
          ...(identity.fullName !== undefined && { fullName: identity.fullName }),
          ...(identity.lmsUserId !== undefined && { lmsUserId: identity.lmsUserId }),
        });
        const names = missed.map(([, { identity }]) => identity.username);
        const claimedBy = (user: User) =>
          wanted.get(user.username.toLowerCase()) as { identity: ClaimedIdentity; actor: Actor };
        const found = new Map(
          (await repository.findByUsernames(db, names)).map((user) => [user.username.toLowerCase(), user]),
        );
        const created = await repository.insertMissing(
          db,
          missed
            .filter(([name]) => !found.has(name))
            .map(([, { identity }]) => ({ username: identity.username, ...claimsOf(identity) })),
        );
        await audit.recordMany(
          db,
          created.map((user) => ({
            actor: claimedBy(user).actor,
            entry: {
              siteId: null,
              action: 'user.created',
              targetType: 'user',
              targetId: user.id,
              changes: diffForAudit(null, claimsOf(claimedBy(user).identity), ['email', 'fullName']),
            },
          })),
        );
        for (const user of created) found.set(user.username.toLowerCase(), user);
        // Created by concurrent requests carrying the same identities.
        const raced = names.filter((name) => !found.has(name.toLowerCase()));
        for (const user of await repository.findByUsernames(db, raced))
          found.set(user.username.toLowerCase(), user);

        for (const [name, { identity, actor }] of missed) {
          let user = found.get(name);
          if (!user) throw new Error(`user ${identity.username} vanished while syncing`);
          const claims = claimsOf(identity);
          const diff = diffForAudit(user as Record<string, unknown>, claims, ['email', 'fullName']);
          if (Object.keys(diff).length > 0 && !created.includes(user)) {
            user = await repository.update(db, user.id, claims);
            await recordChange(actor, 'user.updated', user, diff);
          }
          synced.set(name, { id: user.id, username: user.username });
        }
        if (cached) {
          await Promise.all(
            missed.map(([name, { fingerprint }]) =>
              cache.set(claimsKey(name), { ...synced.get(name), fingerprint }, CLAIMS_CACHE_SECONDS),
            ),
          );
        }
      }
      return entries.map(
        ({ identity }) => synced.get(identity.username.toLowerCase()) as Pick<User, 'id' | 'username'>,
      );
    },

    /**
     * Fills in names, emails and LMS ids that Laurel lacks from the site's LMS user API, in batches,
     * writing only what changed. Safe to run again: users the LMS does not know stay as they are.
     */
    async fillFromLms(
      site: Site,
      batchSize: number,
      onBatch?: (report: LmsBackfillReport) => void,
    ): Promise<LmsBackfillReport> {
      const report: LmsBackfillReport = { examined: 0, updated: 0, unknownToLms: 0 };
      for (let afterId = 0; ;) {
        const batch = await repository.lackingLmsData(db, afterId, batchSize);
        if (batch.length === 0) return report;
        afterId = batch[batch.length - 1]?.id ?? afterId;
        const accounts = await lmsAccounts.find(
          site,
          batch.map((user) => user.username),
        );
        for (const user of batch) {
          report.examined += 1;
          const account = accounts.get(user.username.toLowerCase());
          if (!account) {
            report.unknownToLms += 1;
            continue;
          }
          const wanted = {
            ...(account.name && { fullName: account.name }),
            ...(account.email && { email: account.email }),
            ...(account.id !== null && { lmsUserId: account.id }),
          };
          const diff = diffForAudit(user as Record<string, unknown>, wanted, ['email', 'fullName']);
          if (Object.keys(diff).length === 0) continue;
          const updated = await repository.update(db, user.id, wanted);
          await recordChange({ label: 'lms-backfill', source: 'job' }, 'user.updated', updated, diff);
          report.updated += 1;
        }
        onBatch?.(report);
      }
    },

    /**
     * Renames users, one transaction per pair, as the LMS's username replacement (and retirement)
     * asks. Credentials and grades point at the user row, so one row changes. A retirement (the new
     * name starts with `retired__user_`) also erases the name and email. Unknown users count as done.
     */
    async replaceUsernames(mappings: [string, string][], actor: Actor) {
      const successful: Record<string, string>[] = [];
      const failed: Record<string, string>[] = [];
      const renamed: number[] = [];
      // Names the configuration gives roles or powers to: renamed, they would lose them.
      const configured = [
        ...Object.keys(policy.serviceUsers),
        policy.usernameReplacementWorker,
        policy.learnerStatusWorker,
      ];
      const isConfigured = (username: string) => configured.some((name) => sameName(name, username));
      for (const [from, to] of mappings) {
        const pair = { [from]: to };
        // A name the rest of the API refuses, or a service user's (from or to, since roles follow
        // the name): that pair fails, as a taken name does.
        if (!isValidUsername(to) || isConfigured(from) || isConfigured(to)) {
          failed.push(pair);
          continue;
        }
        try {
          const userId = await db.transaction(async (tx) => {
            const user = await repository.findByUsername(tx, from);
            if (!user || user.username === to) return undefined;
            const clash = await repository.findByUsername(tx, to);
            if (clash && clash.id !== user.id) throw new Error('the new username is taken');
            const retiring = to.startsWith(RETIRED_PREFIX);
            const values = { username: to, ...(retiring && { fullName: '', email: '' }) };
            await repository.update(tx, user.id, values);
            await audit.record(tx, actor, {
              siteId: null,
              action: retiring ? 'user.retired' : 'user.renamed',
              targetType: 'user',
              targetId: user.id,
              changes: diffForAudit(user as Record<string, unknown>, values, ['email', 'fullName']),
            });
            return user.id;
          });
          if (userId !== undefined) renamed.push(userId);
          successful.push(pair);
        } catch {
          failed.push(pair);
        }
      }
      await changes.bump(...renamed.map(changeKeys.user));
      // Cached identities and roles are keyed by username: drop them for every name involved.
      await cache.delete(
        ...mappings.flatMap(([from, to]) => [
          `user:claims:${from.toLowerCase()}`,
          `user:claims:${to.toLowerCase()}`,
        ]),
      );
      return { successful, failed };
    },

    /** Roles and permissions on one site: stored grants, roles given by the sign-in, configured ones. */
    async accessOf(
      user: Pick<User, 'id' | 'username'>,
      siteId: number,
      claimRoles: readonly string[] = [],
    ): Promise<Access> {
      const stored = await cache.wrap(rolesKey(siteId, user.id), ACCESS_CACHE_SECONDS, () =>
        repository.roleNames(db, user.id, siteId),
      );
      const configured =
        Object.entries(policy.serviceUsers).find(([name]) => sameName(name, user.username))?.[1] ?? [];
      const roles = [...new Set([...stored, ...claimRoles, ...configured])].sort();
      const fromRoles = await cache.wrap(`role-permissions:${roles.join(',')}`, ACCESS_CACHE_SECONDS, () =>
        repository.permissionsOf(db, roles),
      );
      const permissions = new Set(fromRoles.filter(isPermission));
      if (sameName(policy.usernameReplacementWorker, user.username)) permissions.add('users:replace');
      if (sameName(policy.learnerStatusWorker, user.username)) permissions.add('learner-status:read');
      return { roles, permissions };
    },

    /** Sets a user's roles on one site to exactly `roleNames`. */
    async setSiteRoles(
      username: string,
      siteId: number,
      roleNames: string[],
      actor: Actor,
    ): Promise<string[]> {
      const user = await this.getByUsername(username);
      const unknown: string[] = [];
      for (const name of roleNames) if (!(await repository.roleExists(db, name))) unknown.push(name);
      if (unknown.length > 0) throw ValidationError.field('roles', `Unknown roles: ${unknown.join(', ')}.`);
      const { added, removed } = await db.transaction(async (tx) => {
        const change = await repository.setSiteRoles(tx, user.id, siteId, [...new Set(roleNames)]);
        if (change.added.length + change.removed.length > 0) {
          await audit.record(tx, actor, {
            siteId,
            action: 'user.roles-changed',
            targetType: 'user',
            targetId: user.id,
            changes: { added: change.added, removed: change.removed },
          });
        }
        return change;
      });
      if (added.length + removed.length > 0) await cache.delete(rolesKey(siteId, user.id));
      return repository.roleNames(db, user.id, siteId);
    },

    /**
     * Checks a local account's password. Unknown users and wrong passwords fail alike; after
     * LOCKOUT_AFTER_FAILURES failures in a row the account is locked for LOCKOUT_MINUTES.
     */
    async authenticateLocal(login: string, password: string): Promise<User | null> {
      const user = await repository.findByUsername(db, login);
      const now = clock.now();
      if (user?.lockedUntil && user.lockedUntil > now) {
        throw new RateLimitedError(Math.ceil((user.lockedUntil.getTime() - now.getTime()) / 1000));
      }
      const matches = await verifyPassword(password, user?.passwordHash ?? (await decoyHash));
      if (!user || !user.passwordHash || !user.isActive) return null;
      if (matches) {
        await repository.update(db, user.id, { failedLoginCount: 0, lockedUntil: null, lastLoginAt: now });
        return user;
      }
      const failures = user.failedLoginCount + 1;
      const locked = failures >= LOCKOUT_AFTER_FAILURES;
      await repository.update(db, user.id, {
        failedLoginCount: locked ? 0 : failures,
        lockedUntil: locked ? new Date(now.getTime() + LOCKOUT_MINUTES * 60_000) : null,
      });
      if (locked) {
        await recordChange({ label: 'system', source: 'system' }, 'user.locked', user, {
          failures: [null, failures],
        });
      }
      return null;
    },

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
