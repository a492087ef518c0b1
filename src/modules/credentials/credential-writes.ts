import { type ChangeTokens, changeKeys } from '../../platform/cache/change-tokens.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Db } from '../../platform/db/database.ts';
import type { JobQueue } from '../../platform/jobs/jobs.ts';
import type { Actor, AuditEntry, AuditService } from '../audit/audit.service.ts';
import type { Site } from '../sites/sites.service.ts';
import type { WebhookEvent } from '../webhooks/webhooks.schema.ts';
import type { WebhookEventData, WebhookEvents } from '../webhooks/webhook-events.ts';
import type {
  Attribute,
  CredentialEvent,
  CredentialRow,
  CredentialsRepository,
  ShownConfig,
  UserCredential,
} from './credentials.repository.ts';
import type { ProgramCompletionRepository } from './program-completion.repository.ts';

export type CredentialStatus = 'awarded' | 'revoked';

export const PROGRAM_COMPLETION_JOB = 'programs.evaluate-completion';

/** A learner whose course credential of this run changed status: their programs need a look. */
export interface CompletionCheck {
  userId: number;
  courseRunKey: string;
  /**
   * The course credential was revoked: only then may completion revoke a program credential.
   * (Jobs queued before this was recorded lack it, and are taken as revocations, as they were.)
   */
  revoked?: boolean;
}

/** What one completion job carries: the checks of one change set of a site. */
export interface ProgramCompletionJob {
  siteId: number;
  checks: CompletionCheck[];
}

/** Which credential a change is about, with what its history and notifications show of it. */
export interface Target {
  userId: number;
  username: string;
  config: ShownConfig;
  programUuid: string | null;
}

/** What a change asks for; fields left out stay as they are. */
export interface Change {
  /** The status to hold; a credential created by the change starts awarded when this is unset. */
  status?: CredentialStatus;
  attributes?: Attribute[];
  /** The LMS's certificate date override; null removes it. */
  dateOverride?: Date | null;
  revokeReason?: string | null;
  /** Webhook events to send besides credential.awarded/revoked when the status changes. */
  alsoEmit?: WebhookEvent[];
  /**
   * Date an awarded program credential again, though its status stays: the course credentials its
   * date is taken from changed.
   */
  redate?: boolean;
}

export interface PlannedChange {
  target: Target;
  change: Change;
  actor: Actor;
}

/**
 * Changes worked out inside the write's transaction, for a caller whose decision must not go stale
 * before it is written: it can take its locks and read what it decides from there.
 */
export type Planner = (tx: Db) => Promise<PlannedChange[]>;

/** A credential being changed in this transaction: its row as it now stands and its attributes. */
interface Working {
  row: UserCredential;
  attributes: Map<string, string>;
  /** Created by this transaction and not yet looked at by a change. */
  fresh: boolean;
  dirty: boolean;
}

/** Everything the changes decided to write, gathered to be written in a few set-based statements. */
interface Writes {
  events: CredentialEvent[];
  attributes: Map<string, Attribute & { credentialId: number }>;
  audit: { actor: Actor; entry: AuditEntry }[];
  webhooks: Omit<WebhookEventData, 'siteId'>[];
  completions: CompletionCheck[];
}

/** Whether two optional moments are the same. */
export const sameTime = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);
const keyOf = (target: Target) => `${target.userId}:${target.config.id}`;

function eventType(created: boolean, statusChanged: boolean, before: string | null, status: string) {
  if (!statusChanged) return 'changed' as const;
  if (status === 'revoked') return 'revoked' as const;
  return !created && before === 'revoked' ? ('re-awarded' as const) : ('awarded' as const);
}

/** What one change did to a credential, for its history. */
interface Applied {
  created: boolean;
  before: CredentialStatus | null;
  status: CredentialStatus;
  statusChanged: boolean;
  overrideChanged: boolean;
  /** Dated again while its status stayed (set by the writer, which dates program credentials). */
  redated: boolean;
  changedAttributes: Attribute[];
}

/** Applies a change to the credential as it stands in this transaction (in memory; written later). */
function applyChange(credential: Working, change: Change, now: Date): Applied {
  const { row } = credential;
  const created = credential.fresh;
  credential.fresh = false;
  const before = created ? null : row.status;
  const status = change.status ?? row.status;
  if (!created && status !== row.status) {
    Object.assign(
      row,
      status === 'revoked'
        ? { status, revokedAt: now, revokeReason: change.revokeReason ?? null }
        : { status, awardedAt: now, revokedAt: null, revokeReason: null },
    );
    credential.dirty = true;
  }
  const overrideChanged =
    change.dateOverride !== undefined && !sameTime(change.dateOverride, row.dateOverride);
  if (overrideChanged) {
    row.dateOverride = change.dateOverride ?? null;
    credential.dirty = true;
  }
  const changedAttributes = (change.attributes ?? []).filter(
    (attribute) => credential.attributes.get(attribute.name) !== attribute.value,
  );
  for (const { name, value } of changedAttributes) credential.attributes.set(name, value);
  return {
    created,
    before,
    status,
    statusChanged: created || before !== status,
    overrideChanged,
    redated: false,
    changedAttributes,
  };
}

/** Gathers what a change must leave behind: attributes, history, webhook events, completion checks, audit. */
function recordChange(
  writes: Writes,
  siteId: number,
  planned: PlannedChange,
  credential: Working,
  applied: Applied,
) {
  const { target, change, actor } = planned;
  const { row } = credential;
  const { created, before, status, statusChanged, changedAttributes } = applied;
  for (const { name, value } of changedAttributes)
    writes.attributes.set(`${row.id}:${name}`, { credentialId: row.id, name, value });
  const details = {
    ...(changedAttributes.length > 0 && { attributes: changedAttributes.map((a) => a.name) }),
    ...(applied.overrideChanged && { date_override: row.dateOverride?.toISOString() ?? null }),
    ...(applied.redated && { visible_date: row.visibleDate?.toISOString() ?? null }),
  };
  if (!statusChanged && Object.keys(details).length === 0) return;

  const type = eventType(created, statusChanged, before, status);
  writes.events.push({
    siteId,
    userCredentialId: row.id,
    type,
    fromStatus: before,
    toStatus: status,
    actorUserId: actor.userId ?? null,
    source: actor.source,
    details,
  });
  writes.audit.push({
    actor,
    entry: {
      siteId,
      action: `credential.${type}`,
      targetType: 'user_credential',
      targetId: row.uuid,
      changes: { status: [before, status], ...details },
    },
  });
  if (!statusChanged) return;
  const payload = {
    credential: {
      uuid: row.uuid,
      username: target.username,
      status,
      type: target.config.kind,
      ...(target.programUuid && { program_uuid: target.programUuid }),
      ...(target.config.courseRunKey && {
        course_run_key: target.config.courseRunKey,
        mode: target.config.mode,
      }),
    },
    source: actor.source,
  };
  const events: WebhookEvent[] = [
    status === 'revoked' ? 'credential.revoked' : 'credential.awarded',
    ...(change.alsoEmit ?? []),
  ];
  for (const event of events) writes.webhooks.push({ event, payload });
  // A course credential that changed hands may complete (or undo) programs: decided by a job,
  // enqueued with this change so it exists only if the change commits.
  if (target.config.kind === 'course-run' && target.config.courseRunKey)
    writes.completions.push({
      userId: target.userId,
      courseRunKey: target.config.courseRunKey,
      revoked: status === 'revoked',
    });
}

/**
 * The one write path for awarded credentials: every entry point (API POST, PUT/PATCH, DELETE, bulk,
 * CSV import, program completion) ends here, with one change or a thousand. In one transaction it
 * creates and locks the credentials, applies each change in order (a credential named twice sees
 * the first change before the second), and records history, audit, webhook events and program
 * completion jobs — only for what actually changed — in a handful of set-based statements.
 * The changes are given, or planned by the caller inside that transaction.
 */
export function createCredentialWriter(deps: {
  database: Database;
  repository: CredentialsRepository;
  completion: ProgramCompletionRepository;
  jobs: JobQueue;
  webhookEvents: WebhookEvents;
  audit: AuditService;
  clock: Clock;
  changes: ChangeTokens;
}) {
  const { database, repository, completion, jobs, webhookEvents, audit, clock, changes } = deps;

  return async function applyChanges(
    site: Site,
    changesOrPlanner: PlannedChange[] | Planner,
  ): Promise<CredentialRow[]> {
    if (Array.isArray(changesOrPlanner) && changesOrPlanner.length === 0) return [];
    return changes.commit(
      database.db,
      async (tx) => {
        const planned = Array.isArray(changesOrPlanner) ? changesOrPlanner : await changesOrPlanner(tx);
        if (planned.length === 0) return [];
        const now = clock.now();
        const initial = new Map<string, { userId: number; configId: number; status: CredentialStatus }>();
        for (const { target, change } of planned) {
          if (!initial.has(keyOf(target)))
            initial.set(keyOf(target), {
              userId: target.userId,
              configId: target.config.id,
              status: change.status ?? 'awarded',
            });
        }
        const { rows, created } = await repository.lockOrCreateMany(tx, site.id, [...initial.values()], now);
        const working = new Map<string, Working>(
          rows.map(({ attributes, ...row }) => [
            `${row.userId}:${row.configId}`,
            {
              row,
              attributes: new Map(attributes.map(({ name, value }) => [name, value])),
              fresh: created.has(row.id),
              dirty: false,
            },
          ]),
        );

        const writes: Writes = {
          events: [],
          attributes: new Map(),
          audit: [],
          webhooks: [],
          completions: [],
        };
        const written: CredentialRow[] = [];
        for (const { target, change, actor } of planned) {
          const credential = working.get(keyOf(target));
          if (!credential) throw new Error(`credential ${keyOf(target)} was neither found nor created`);
          const applied = applyChange(credential, change, now);
          // A program credential is dated when it is (re-)awarded or its courses change, not
          // recomputed at every read.
          const { programId } = target.config;
          if (
            programId !== null &&
            applied.status === 'awarded' &&
            (applied.statusChanged || change.redate)
          ) {
            const date = await completion.programDate(
              tx,
              site.id,
              target.userId,
              programId,
              site.programCompletionModes.split(','),
            );
            // Dating again never hides a credential: with no course credential left to date it by, it
            // keeps the date it had.
            const dated = date ?? (applied.statusChanged ? null : credential.row.visibleDate);
            if (!sameTime(dated, credential.row.visibleDate)) {
              credential.row.visibleDate = dated;
              credential.dirty = true;
              applied.redated = !applied.statusChanged;
            }
          }
          if (credential.dirty) credential.row.updatedAt = now;
          recordChange(writes, site.id, { target, change, actor }, credential, applied);
          written.push({
            credential: { ...credential.row },
            username: target.username,
            config: target.config,
            programUuid: target.programUuid,
            attributes: [...credential.attributes].map(([name, value]) => ({ name, value })),
          });
        }

        await repository.saveChanges(tx, {
          rows: [...working.values()].filter((credential) => credential.dirty).map(({ row }) => row),
          attributes: [...writes.attributes.values()],
          events: writes.events,
        });
        await audit.recordMany(tx, writes.audit);
        await webhookEvents.emit(tx, site.id, writes.webhooks);
        if (writes.completions.length > 0)
          await jobs.enqueue<ProgramCompletionJob>(tx, PROGRAM_COMPLETION_JOB, {
            siteId: site.id,
            checks: writes.completions,
          });
        return written;
      },
      // Every credential named, changed or not: a request sent again after a bump that failed,
      // which changes nothing the second time, still outdates what was cached (see change-tokens.ts).
      (written) => [...new Set(written.map(({ credential }) => changeKeys.credential(credential.uuid)))],
    );
  };
}

export type CredentialWriter = ReturnType<typeof createCredentialWriter>;
