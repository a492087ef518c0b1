import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { NotFoundError, ValidationError } from '../../platform/errors.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { parseUuid } from '../../platform/ids.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import type { CatalogService } from '../catalog/catalog.service.ts';
import type { Site, SitesService } from '../sites/sites.service.ts';
import type { JobQueue } from '../../platform/jobs/jobs.ts';
import type { ProgramCompletionRepository } from './program-completion.repository.ts';
import type { WebhookEvent } from '../webhooks/webhooks.schema.ts';
import { emitWebhookEvent } from '../webhooks/webhooks.service.ts';
import { isValidUsername } from '../users/usernames.ts';
import type { UsersService } from '../users/users.service.ts';
import { COURSE_MODES } from './credentials.schema.ts';
import type { CredentialFilter, CredentialRow, CredentialsRepository } from './credentials.repository.ts';

export type CredentialStatus = 'awarded' | 'revoked';

export interface CredentialSubject {
  programUuid?: string;
  courseRunKey?: string;
  mode?: string;
}

/** "Make this true": the state a caller wants a learner's credential to be in. */
export interface IssueRequest {
  username: string;
  lmsUserId?: number;
  credential: CredentialSubject;
  status: CredentialStatus;
  attributes: { name: string; value: string }[];
  /** The LMS's certificate date override; null removes it. */
  dateOverride: Date | null;
}

export const PROGRAM_COMPLETION_JOB = 'programs.evaluate-completion';
type Decision = 'award' | 'revoke' | null;
const COMPLETION_ACTOR: Actor = { label: 'program-completion', source: 'program-completion' };

/** Which credential a change is about; a course run's key when it is a course credential. */
interface Target {
  userId: number;
  configId: number;
  courseRunKey: string | null;
  programId: number | null;
}

/** What a change asks for; fields left out stay as they are. */
interface Change {
  /** Webhook events to send besides credential.awarded/revoked when the status changes. */
  alsoEmit?: WebhookEvent[];
  status?: CredentialStatus;
  attributes?: { name: string; value: string }[];
  dateOverride?: Date | null;
  revokeReason?: string | null;
}

export interface CredentialsServiceDeps {
  database: Database;
  repository: CredentialsRepository;
  completion: ProgramCompletionRepository;
  jobs: JobQueue;
  sites: SitesService;
  users: UsersService;
  catalog: CatalogService;
  audit: AuditService;
  clock: Clock;
}

const sameTime = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

export function createCredentialsService(deps: CredentialsServiceDeps) {
  const { database, repository, users, catalog, audit, clock, completion, jobs, sites } = deps;
  const { db } = database;

  /**
   * The configuration a request names, checked as Open edX checks it (but scoped to the site). A
   * course run's configuration is created on first use, unless `create` is off (a dry run), where
   * null stands for "would be created".
   */
  async function configFor(site: Site, subject: CredentialSubject, create = true) {
    if (subject.programUuid) {
      const uuid = parseUuid(subject.programUuid);
      const program = uuid ? await catalog.program(site.id, uuid) : undefined;
      const config = program ? await repository.programConfig(db, site.id, program.id) : undefined;
      if (!config || !config.isActive) {
        throw ValidationError.nested(
          'credential',
          'program_uuid',
          `No active program certificate configuration for ${subject.programUuid}.`,
        );
      }
      return config;
    }
    if (!subject.courseRunKey) {
      throw ValidationError.nested(
        'credential',
        'non_field_errors',
        'Credential identifier is missing: give program_uuid or course_run_key.',
      );
    }
    const mode = subject.mode ?? '';
    if (!(COURSE_MODES as readonly string[]).includes(mode)) {
      throw ValidationError.nested('credential', 'mode', `Must be one of ${COURSE_MODES.join(', ')}.`);
    }
    const run = await catalog.courseRun(site.id, subject.courseRunKey);
    if (!run) {
      throw ValidationError.nested(
        'credential',
        'course_run_key',
        `Course run ${subject.courseRunKey} is not in this site's catalog.`,
      );
    }
    const config = create
      ? await repository.ensureCourseRunConfig(db, site.id, run.key, run.id, mode)
      : ((await repository.courseRunConfig(db, site.id, run.key, mode)) ?? null);
    if (config === null) return null;
    if (!config?.isActive) {
      throw ValidationError.nested(
        'credential',
        'course_run_key',
        `The certificate of ${run.key} in mode ${mode} is not active.`,
      );
    }
    return config;
  }

  /**
   * The one write path for awarded credentials: every entry point (API POST, PUT/PATCH, DELETE, bulk,
   * CSV import, program completion) ends here. It locks the row, applies what differs, and records
   * history and audit, and enqueues side effects, only when something actually changed.
   */
  async function apply(
    site: Site,
    target: Target,
    change: Change,
    actor: Actor,
    defaultStatus: CredentialStatus,
  ) {
    return db.transaction(async (tx) => {
      const now = clock.now();
      const { row, created } = await repository.lockOrCreate(tx, {
        siteId: site.id,
        userId: target.userId,
        configId: target.configId,
        status: change.status ?? defaultStatus,
        now,
      });
      const before = created ? null : row.status;
      const status = change.status ?? row.status;
      const updates: Parameters<CredentialsRepository['update']>[2] = {};
      if (!created && status !== row.status) {
        Object.assign(
          updates,
          status === 'revoked'
            ? { status, revokedAt: now, revokeReason: change.revokeReason ?? null }
            : { status, awardedAt: now, revokedAt: null, revokeReason: null },
        );
      }
      if (change.dateOverride !== undefined && !sameTime(change.dateOverride, row.dateOverride))
        updates.dateOverride = change.dateOverride;
      // A program credential is dated when it is (re-)awarded, not recomputed at every read.
      if (target.programId !== null && status === 'awarded' && (created || before !== status)) {
        updates.visibleDate = await completion.programDate(
          tx,
          site.id,
          target.userId,
          target.programId,
          site.programCompletionModes.split(','),
        );
      }

      const existing = new Map((await repository.attributes(tx, [row.id])).map((a) => [a.name, a.value]));
      const changedAttributes = (change.attributes ?? []).filter((a) => existing.get(a.name) !== a.value);
      for (const attribute of changedAttributes)
        await repository.upsertAttribute(tx, row.id, attribute.name, attribute.value);

      if (Object.keys(updates).length > 0) await repository.update(tx, row.id, updates);
      const statusChanged = created || before !== status;
      const details = {
        ...(changedAttributes.length > 0 && { attributes: changedAttributes.map((a) => a.name) }),
        ...('dateOverride' in updates && { date_override: updates.dateOverride?.toISOString() ?? null }),
      };
      if (statusChanged || Object.keys(details).length > 0) {
        const type = !statusChanged
          ? 'changed'
          : status === 'revoked'
            ? 'revoked'
            : before === 'revoked'
              ? 're-awarded'
              : 'awarded';
        await repository.addEvent(tx, {
          siteId: site.id,
          userCredentialId: row.id,
          type,
          fromStatus: before,
          toStatus: status,
          actorUserId: actor.userId ?? null,
          source: actor.source,
          details,
        });
        if (statusChanged) {
          const shown = await repository.byUuid(tx, site.id, row.uuid);
          const payload = {
            credential: {
              uuid: row.uuid,
              username: shown?.username,
              status,
              type: shown?.config.kind,
              ...(shown?.programUuid && { program_uuid: shown.programUuid }),
              ...(shown?.config.courseRunKey && {
                course_run_key: shown.config.courseRunKey,
                mode: shown.config.mode,
              }),
            },
            source: actor.source,
          };
          const events: WebhookEvent[] = [
            status === 'revoked' ? 'credential.revoked' : 'credential.awarded',
            ...(change.alsoEmit ?? []),
          ];
          for (const event of events) await emitWebhookEvent(jobs, tx, { siteId: site.id, event, payload });
        }
        // A course credential that changed hands may complete (or undo) programs: decided by a job,
        // enqueued with this change so it exists only if the change commits.
        if (statusChanged && target.courseRunKey) {
          await jobs.enqueue(tx, PROGRAM_COMPLETION_JOB, {
            siteId: site.id,
            userId: target.userId,
            courseRunKey: target.courseRunKey,
          });
        }
        await audit.record(tx, actor, {
          siteId: site.id,
          action: `credential.${type}`,
          targetType: 'user_credential',
          targetId: row.uuid,
          changes: { status: [before, status], ...details },
        });
      }
      return row.uuid;
    });
  }

  function checkRequest(request: IssueRequest): void {
    if (!isValidUsername(request.username)) {
      throw ValidationError.field('username', 'Enter a valid username: letters, digits and _ . @ + - only.');
    }
    const names = request.attributes.map((a) => a.name);
    if (new Set(names).size !== names.length)
      throw ValidationError.field('attributes', 'Attribute names cannot be duplicated.');
  }

  /**
   * What program completion asks of one learner's program credential: complete when they hold an
   * awarded course credential in a counting mode for a run of every course of the program. Award when
   * complete (active configuration, site awards automatically); revoke when no longer complete and
   * the site revokes with courses.
   */
  async function decide(
    site: Site,
    userId: number,
    config: { id: number; programId: number | null; isActive: boolean },
  ): Promise<Decision> {
    if (config.programId === null) return null;
    const needed = await completion.programCourses(db, config.programId);
    const held = await completion.completedCourses(
      db,
      site.id,
      userId,
      site.programCompletionModes.split(','),
    );
    const complete = needed.size > 0 && [...needed].every((course) => held.has(course));
    const current = await completion.credentialStatus(db, userId, config.id);
    if (complete && config.isActive && site.autoAwardPrograms && current !== 'awarded') return 'award';
    if (!complete && current === 'awarded' && site.revokeProgramsWithCourses) return 'revoke';
    return null;
  }

  async function enact(
    site: Site,
    userId: number,
    config: { id: number; programId: number | null },
    decision: 'award' | 'revoke',
  ) {
    const { id: configId, programId } = config;
    const target = { userId, configId, courseRunKey: null, programId };
    if (decision === 'award')
      await apply(
        site,
        target,
        { status: 'awarded', alsoEmit: ['program.completed'] },
        COMPLETION_ACTOR,
        'awarded',
      );
    else
      await apply(
        site,
        target,
        { status: 'revoked', revokeReason: 'The program is no longer complete.' },
        COMPLETION_ACTOR,
        'revoked',
      );
  }

  async function get(site: Site, uuid: string): Promise<CredentialRow> {
    const parsed = parseUuid(uuid);
    const row = parsed ? await repository.byUuid(db, site.id, parsed) : undefined;
    if (!row) throw new NotFoundError();
    return row;
  }

  return {
    get,

    /** Everything `issue` would refuse, without writing anything (for dry runs). */
    async check(site: Site, request: IssueRequest): Promise<void> {
      checkRequest(request);
      await configFor(site, request.credential, false);
    },

    /** Upsert as the Open edX API does it: POST means "make this true". */
    async issue(site: Site, request: IssueRequest, actor: Actor): Promise<CredentialRow> {
      checkRequest(request);
      const config = await configFor(site, request.credential);
      if (!config) throw new Error('a course-run configuration was not created');
      const user = await users.syncFromClaims(
        { username: request.username, lmsUserId: request.lmsUserId },
        actor,
      );
      const uuid = await apply(
        site,
        {
          userId: user.id,
          configId: config.id,
          courseRunKey: config.kind === 'course-run' ? config.courseRunKey : null,
          programId: config.programId,
        },
        { status: request.status, attributes: request.attributes, dateOverride: request.dateOverride },
        actor,
        request.status,
      );
      return get(site, uuid);
    },

    /** A status change of an existing credential (PUT/PATCH, and DELETE as a revocation). */
    async setStatus(
      site: Site,
      uuid: string,
      status: CredentialStatus,
      actor: Actor,
      revokeReason?: string,
    ): Promise<CredentialRow> {
      const row = await get(site, uuid);
      await apply(
        site,
        {
          userId: row.credential.userId,
          configId: row.credential.configId,
          courseRunKey: row.config.kind === 'course-run' ? row.config.courseRunKey : null,
          programId: row.config.programId,
        },
        { status, revokeReason },
        actor,
        status,
      );
      return get(site, uuid);
    },

    /**
     * A learner's earned, visible course certificates for some courses and runs, with grades (the
     * learner certificate status API). A learner Laurel does not know has none.
     */
    async learnerStatus(
      site: Site,
      who: { username?: string; lmsUserId?: number },
      courseUuids: string[],
      runs: string[],
    ) {
      const user =
        who.username !== undefined
          ? await users.findByUsername(who.username)
          : await users.findByLmsUserId(who.lmsUserId ?? 0);
      if (!user) return { user: null, status: [] };
      const rows = await repository.courseStatus(db, {
        siteId: site.id,
        userId: user.id,
        courseUuids,
        runs,
        now: clock.now(),
      });
      return { user, status: rows };
    },

    /**
     * Re-decides every program containing the course of this run for one learner: complete when the
     * learner holds an awarded course credential in a counting mode for a run of every course of the
     * program. Awards (site switch, on by default) or revokes (switch, off by default) the program
     * credential through the same write path. Idempotent.
     */
    async evaluateCompletion(
      site: Site,
      userId: number,
      courseRunKey: string,
    ): Promise<{ awarded: number; revoked: number }> {
      const result = { awarded: 0, revoked: 0 };
      for (const config of await completion.programConfigsForRun(db, site.id, courseRunKey)) {
        const decision = await decide(site, userId, config);
        if (decision) await enact(site, userId, config, decision);
        if (decision === 'award') result.awarded += 1;
        if (decision === 'revoke') result.revoked += 1;
      }
      return result;
    },

    /**
     * Recomputes completion for every learner of the site's programs (or one program, one learner) and
     * reports where the stored credentials disagree; with `fix`, repairs them through the write path.
     */
    async reconcile(site: Site, filter: { programUuid?: string; username?: string }, fix: boolean) {
      const drift: { username: string; program: string; change: Decision }[] = [];
      let checked = 0;
      for (const config of await completion.programConfigs(db, site.id, filter.programUuid)) {
        for (const learner of await completion.candidates(
          db,
          site.id,
          config.programId ?? 0,
          config.id,
          filter.username,
        )) {
          checked += 1;
          const decision = await decide(site, learner.userId, config);
          if (!decision) continue;
          drift.push({ username: learner.username, program: config.programUuid, change: decision });
          if (fix) await enact(site, learner.userId, config, decision);
        }
      }
      return { checked, drift, fixed: fix ? drift.length : 0 };
    },

    defineJobs(): void {
      jobs.define<{ siteId: number; userId: number; courseRunKey: string }>({
        name: PROGRAM_COMPLETION_JOB,
        retryLimit: 5,
        retryDelaySeconds: 10,
        handler: async ({ siteId, userId, courseRunKey }) => {
          const site = (await sites.list()).find((candidate) => candidate.id === siteId);
          if (!site) return { skipped: 'the site no longer exists' };
          return this.evaluateCompletion(site, userId, courseRunKey);
        },
      });
    },

    attributesOf: (credentialIds: number[]) => repository.attributes(db, credentialIds),

    events: (credentialId: number) => repository.events(db, credentialId),

    /** `onlyVisible`: only what may be shown now (Open edX's `only_visible`). */
    list: (filter: CredentialFilter & { onlyVisible?: boolean }, page: Page) =>
      repository.list(db, { ...filter, visibleAt: filter.onlyVisible ? clock.now() : undefined }, page),
  };
}

export type CredentialsService = ReturnType<typeof createCredentialsService>;
