import { LRUCache } from 'lru-cache';
import { type ChangeTokens, changeKeys } from '../../platform/cache/change-tokens.ts';
import type { Clock } from '../../platform/clock.ts';
import { createBatcher } from '../../platform/batcher.ts';
import type { Database, Db } from '../../platform/db/database.ts';
import { isMissingReference, worthRetryingOneByOne } from '../../platform/db/errors.ts';
import { NotFoundError, ValidationError } from '../../platform/errors.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { parseUuid } from '../../platform/ids.ts';
import type { JobQueue } from '../../platform/jobs/jobs.ts';
import type { Actor } from '../audit/audit.service.ts';
import type { CatalogService } from '../catalog/catalog.service.ts';
import type { Site, SitesService } from '../sites/sites.service.ts';
import { INVALID_USERNAME, isValidUsername } from '../users/usernames.ts';
import type { UsersService } from '../users/users.service.ts';
import {
  type Change,
  type CompletionCheck,
  type CredentialStatus,
  type CredentialWriter,
  type PlannedChange,
  PROGRAM_COMPLETION_JOB,
  type ProgramCompletionJob,
  type Target,
} from './credential-writes.ts';
import { COURSE_MODES } from './credentials.schema.ts';
import type {
  CredentialFilter,
  CredentialRow,
  CredentialsRepository,
  ShownConfig,
} from './credentials.repository.ts';
import type { ProgramCompletionRepository } from './program-completion.repository.ts';
import {
  type CompletionState,
  completionStates,
  holdingsToRead,
  pairsOfChecks,
  type ProgramStructure,
  programStructure,
} from './program-completion.ts';

export type { CredentialStatus } from './credential-writes.ts';

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

export interface IssueEntry {
  request: IssueRequest;
  actor: Actor;
}

/** What one issue request became: the credential as it now stands, or why it was refused. */
export type IssueOutcome = CredentialRow | Error;

/** What completion does to a program credential: `redate` keeps it awarded and dates it again. */
type Decision = 'award' | 'revoke' | 'redate';
const COMPLETION_ACTOR: Actor = { label: 'program-completion', source: 'program-completion' };
/** Learners whose credentials `reconcile` reads at once. */
const RECONCILE_CHUNK = 500;
/** Sites whose program structure is kept in process. */
const PROGRAM_STRUCTURES = 16;
/** Concurrent single POSTs are written together, up to this many per transaction. */
const ISSUE_BATCH_SIZE = 200;
/** Transactions of batched POSTs in flight at once per site. */
const ISSUE_BATCH_CONCURRENCY = 1;
/** Resolved configurations kept in process, across sites. */
const KNOWN_CONFIGS = 20_000;

/** A resolved configuration: what a credential of it shows. */
interface Resolved {
  config: ShownConfig;
  programUuid: string | null;
}

/** A learner and a program configuration: what completion decides about. */
type Pair = { userId: number; configId: number };
type Decided = CompletionState & { decision: Decision };

const pairKey = ({ userId, configId }: Pair) => `${userId}:${configId}`;

const subjectKey = (subject: CredentialSubject) =>
  subject.programUuid !== undefined
    ? `program:${subject.programUuid}`
    : `run:${subject.courseRunKey ?? ''}:${subject.mode ?? ''}`;

const shown = (config: ShownConfig): ShownConfig => ({
  id: config.id,
  kind: config.kind,
  courseRunKey: config.courseRunKey,
  mode: config.mode,
  programId: config.programId,
  certificateAvailableDate: config.certificateAvailableDate,
});

export interface CredentialsServiceDeps {
  database: Database;
  repository: CredentialsRepository;
  completion: ProgramCompletionRepository;
  writer: CredentialWriter;
  jobs: JobQueue;
  sites: SitesService;
  users: UsersService;
  catalog: CatalogService;
  clock: Clock;
  changes: ChangeTokens;
}

export function createCredentialsService(deps: CredentialsServiceDeps) {
  const { database, repository, users, catalog, clock, completion, jobs, sites, writer, changes } = deps;
  const { db } = database;
  /**
   * Active configurations by what requests name, looked up once while nothing site-wide changes:
   * keyed by the site's certificate change token, which configuration edits and catalog syncs bump.
   */
  const knownConfigs = new LRUCache<string, Resolved>({ max: KNOWN_CONFIGS });

  async function programConfig(site: Site, subject: CredentialSubject): Promise<Resolved | ValidationError> {
    const uuid = parseUuid(subject.programUuid ?? '');
    const program = uuid ? await catalog.program(site.id, uuid) : undefined;
    const config = program ? await repository.programConfig(db, site.id, program.id) : undefined;
    if (!program || !config || !config.isActive) {
      return ValidationError.nested(
        'credential',
        'program_uuid',
        `No active program certificate configuration for ${subject.programUuid}.`,
      );
    }
    return { config: shown(config), programUuid: program.uuid };
  }

  /**
   * The configurations requests name, checked as Open edX checks them (but scoped to the site),
   * each distinct one looked up once. A course run's configuration is created on first use, unless
   * `create` is off (a dry run), where null stands for "would be created".
   */
  async function resolveConfigs(
    site: Site,
    subjects: CredentialSubject[],
    create: boolean,
    fresh = false,
  ): Promise<Map<string, Resolved | ValidationError | null>> {
    const [token] = await changes.current([changeKeys.siteCertificates(site.id)]);
    const knownKey = (key: string) => `${site.id}:${token}:${key}`;
    const resolved = new Map<string, Resolved | ValidationError | null>();
    const runSubjects = new Map<string, { runKey: string; mode: string }>();
    for (const subject of subjects) {
      const key = subjectKey(subject);
      if (resolved.has(key) || runSubjects.has(key)) continue;
      const known = fresh ? undefined : knownConfigs.get(knownKey(key));
      if (known) resolved.set(key, known);
      else if (subject.programUuid !== undefined) resolved.set(key, await programConfig(site, subject));
      else if (!subject.courseRunKey) {
        resolved.set(
          key,
          ValidationError.nested(
            'credential',
            'non_field_errors',
            'Credential identifier is missing: give program_uuid or course_run_key.',
          ),
        );
      } else if (!(COURSE_MODES as readonly string[]).includes(subject.mode ?? '')) {
        resolved.set(
          key,
          ValidationError.nested('credential', 'mode', `Must be one of ${COURSE_MODES.join(', ')}.`),
        );
      } else runSubjects.set(key, { runKey: subject.courseRunKey, mode: subject.mode ?? '' });
    }
    const remember = () => {
      for (const [key, value] of resolved)
        if (value && !(value instanceof ValidationError)) knownConfigs.set(knownKey(key), value);
      return resolved;
    };
    if (runSubjects.size === 0) return remember();

    const runKeys = [...new Set([...runSubjects.values()].map(({ runKey }) => runKey))];
    const runs = new Map((await catalog.courseRuns(site.id, runKeys)).map((run) => [run.key, run]));
    const configs = async () =>
      new Map(
        (await repository.courseRunConfigsOf(db, site.id, [...runs.keys()])).map((config) => [
          subjectKey({ courseRunKey: config.courseRunKey ?? undefined, mode: config.mode ?? undefined }),
          config,
        ]),
      );
    let found = await configs();
    const missing = [...runSubjects].filter(([key, { runKey }]) => runs.has(runKey) && !found.has(key));
    if (create && missing.length > 0) {
      await repository.insertCourseRunConfigs(
        db,
        site.id,
        missing.map(([, { runKey, mode }]) => ({ runKey, mode, runId: runs.get(runKey)?.id ?? 0 })),
      );
      found = await configs();
    }
    for (const [key, { runKey, mode }] of runSubjects) {
      const config = found.get(key);
      if (!runs.has(runKey)) {
        resolved.set(
          key,
          ValidationError.nested(
            'credential',
            'course_run_key',
            `Course run ${runKey} is not in this site's catalog.`,
          ),
        );
      } else if (!config) {
        if (create) throw new Error(`the configuration of ${runKey} (${mode}) was not created`);
        resolved.set(key, null);
      } else if (!config.isActive) {
        resolved.set(
          key,
          ValidationError.nested(
            'credential',
            'course_run_key',
            `The certificate of ${runKey} in mode ${mode} is not active.`,
          ),
        );
      } else resolved.set(key, { config: shown(config), programUuid: null });
    }
    return remember();
  }

  function checkRequest(request: IssueRequest): ValidationError | null {
    if (!isValidUsername(request.username)) {
      return ValidationError.field('username', INVALID_USERNAME);
    }
    const names = request.attributes.map((a) => a.name);
    if (new Set(names).size !== names.length)
      return ValidationError.field('attributes', 'Attribute names cannot be duplicated.');
    return null;
  }

  /**
   * Writes the changes in one transaction. If the database refuses it for something one change may
   * have caused (or a deadlock), each change is written again on its own, in order, so one bad change
   * cannot sink the others. Any other failure is every change's: each would only meet it again.
   * Failures are returned, not thrown.
   */
  async function write(site: Site, planned: PlannedChange[]): Promise<IssueOutcome[]> {
    try {
      return await writer(site, planned);
    } catch (error) {
      if (planned.length === 1 || !worthRetryingOneByOne(error)) return planned.map(() => error as Error);
      const outcomes: IssueOutcome[] = [];
      for (const change of planned) {
        outcomes.push(
          await writer(site, [change]).then(
            ([row]) => row as CredentialRow,
            (e: unknown) => e as Error,
          ),
        );
      }
      return outcomes;
    }
  }

  /**
   * Upserts as the Open edX API does (POST means "make this true"), for many requests at once:
   * refused requests get their error, the others are written together. Outcomes are in order.
   */
  async function issueMany(site: Site, entries: IssueEntry[], fresh = false): Promise<IssueOutcome[]> {
    const outcomes: (IssueOutcome | undefined)[] = entries.map(
      ({ request }) => checkRequest(request) ?? undefined,
    );
    const configs = await resolveConfigs(
      site,
      entries.filter((_, i) => !outcomes[i]).map(({ request }) => request.credential),
      true,
      fresh,
    );
    const accepted: { index: number; entry: IssueEntry; resolved: Resolved }[] = [];
    entries.forEach((entry, index) => {
      if (outcomes[index]) return;
      const resolved = configs.get(subjectKey(entry.request.credential));
      if (resolved instanceof ValidationError) outcomes[index] = resolved;
      else if (resolved) accepted.push({ index, entry, resolved });
    });
    // Learners are looked up, not cached: thousands of them would push callers out of the cache.
    const learners = await users.syncIdentities(
      accepted.map(({ entry: { request, actor } }) => ({
        identity: { username: request.username, lmsUserId: request.lmsUserId },
        actor,
      })),
      { cached: false },
    );
    const written = await write(
      site,
      accepted.map(({ entry: { request, actor }, resolved }, i) => {
        const learner = learners[i] as { id: number; username: string };
        return {
          target: { userId: learner.id, username: learner.username, ...resolved },
          change: {
            status: request.status,
            attributes: request.attributes,
            dateOverride: request.dateOverride,
          },
          actor,
        };
      }),
    );
    accepted.forEach(({ index }, i) => (outcomes[index] = written[i]));
    // A configuration deleted since it was resolved: those requests are resolved again from the
    // database and issued as they would be after the deletion (a course run's is created again).
    const stale = fresh
      ? []
      : entries.flatMap((_, index) => (isMissingReference(outcomes[index]) ? [index] : []));
    if (stale.length > 0) {
      const again = await issueMany(
        site,
        stale.map((index) => entries[index] as IssueEntry),
        true,
      );
      stale.forEach((index, i) => (outcomes[index] = again[i]));
    }
    return outcomes as IssueOutcome[];
  }

  /** Concurrent single issues of a site, written together (see createBatcher). */
  const issueBatchers = new Map<number, (entry: IssueEntry & { site: Site }) => Promise<IssueOutcome>>();
  function issueBatcher(site: Site) {
    let batcher = issueBatchers.get(site.id);
    if (!batcher) {
      batcher = createBatcher<IssueEntry & { site: Site }, IssueOutcome>(
        // The newest copy of the site's settings in the batch applies.
        (entries) => issueMany((entries.at(-1) as { site: Site }).site, entries),
        { maxSize: ISSUE_BATCH_SIZE, concurrency: ISSUE_BATCH_CONCURRENCY },
      );
      issueBatchers.set(site.id, batcher);
    }
    return batcher;
  }

  const targetOf = (row: CredentialRow): Target => ({
    userId: row.credential.userId,
    username: row.username,
    config: row.config,
    programUuid: row.programUuid,
  });

  /**
   * Program completion's rule for one learner's program credential: award when complete (active
   * configuration, site awards automatically); revoke when no longer complete, the site revokes with
   * courses, and `mayRevoke` (a course credential was revoked, or reconcile asks): a program
   * credential the LMS awarded before the courses arrived is not taken back when one of them does.
   * One that stays awarded is dated again, from the course credentials the learner holds now.
   */
  function decide(site: Site, state: CompletionState, mayRevoke: boolean): Decision | null {
    if (state.complete && state.isActive && site.autoAwardPrograms && state.current !== 'awarded')
      return 'award';
    if (!state.complete && state.current === 'awarded' && site.revokeProgramsWithCourses && mayRevoke)
      return 'revoke';
    return state.current === 'awarded' ? 'redate' : null;
  }

  /** The states that call for a change, with the change. */
  const decisionsOf = (
    site: Site,
    states: CompletionState[],
    mayRevoke: (state: CompletionState) => boolean,
  ): Decided[] =>
    states.flatMap((state) => {
      const decision = decide(site, state, mayRevoke(state));
      return decision ? [{ ...state, decision }] : [];
    });

  /** What program completion asks of the write path for a decision. */
  const completionChange = (decision: Decision): Change => {
    if (decision === 'award') return { status: 'awarded', alsoEmit: ['program.completed'] };
    if (decision === 'revoke')
      return { status: 'revoked', revokeReason: 'The program is no longer complete.' };
    return { redate: true };
  };

  /** What the write path is to do for program completion's decisions. */
  const plannedFor = (tx: Db, decisions: Decided[]): Promise<PlannedChange[]> =>
    Promise.all(
      decisions.map(async ({ userId, configId, decision }) => {
        const described = await repository.describe(tx, userId, configId);
        if (!described) throw new Error(`learner ${userId} or configuration ${configId} vanished`);
        return {
          target: { userId, ...described },
          change: completionChange(decision),
          actor: COMPLETION_ACTOR,
        };
      }),
    );

  /**
   * Decides these pairs and, with `enact`, carries the decisions out, in one transaction under the
   * site's completion lock. Reading and writing together is what keeps a decision from going stale:
   * a job that saw a course revoked must not revoke the program credential after another job, which
   * saw the course earned again, has left it awarded.
   */
  async function settle(
    site: Site,
    structure: ProgramStructure,
    pairs: Pair[],
    mayRevoke: (state: CompletionState) => boolean,
    enact: boolean,
  ): Promise<Decided[]> {
    let decisions: Decided[] = [];
    await writer(site, async (tx) => {
      await completion.lockSite(tx, site.id);
      decisions = decisionsOf(site, await statesOf(tx, site, structure, pairs), mayRevoke);
      return enact ? plannedFor(tx, decisions) : [];
    });
    return decisions;
  }

  const countingModes = (site: Site) => site.programCompletionModes.split(',');

  /**
   * The site's program structure, read once while nothing site-wide changes: keyed by the site's
   * certificate change token, which configuration edits and catalog syncs bump. The read itself is
   * kept, so jobs running side by side share one.
   */
  const programStructures = new LRUCache<string, Promise<ProgramStructure>>({ max: PROGRAM_STRUCTURES });
  async function programStructureOf(site: Site): Promise<ProgramStructure> {
    const [token] = await changes.current([changeKeys.siteCertificates(site.id)]);
    const key = `${site.id}:${token}`;
    let structure = programStructures.get(key);
    if (!structure) {
      structure = Promise.all([
        completion.programCourses(db, site.id),
        completion.runsOfProgramCourses(db, site.id),
      ]).then(([programCourses, runs]) => programStructure(programCourses, runs));
      programStructures.set(key, structure);
      // A failed read is not kept: the next job reads again.
      structure.catch(() => programStructures.delete(key));
    }
    return structure;
  }

  /** Where learners stand on program configurations, read for all the pairs at once. */
  async function statesOf(
    tx: Db,
    site: Site,
    structure: ProgramStructure,
    pairs: Pair[],
  ): Promise<CompletionState[]> {
    if (pairs.length === 0) return [];
    const toRead = holdingsToRead(structure, pairs);
    const holdings = await completion.holdings(tx, site.id, toRead.courses, toRead.programs);
    return completionStates(structure, holdings, pairs, countingModes(site));
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
      const refused = checkRequest(request);
      if (refused) throw refused;
      const resolved = (await resolveConfigs(site, [request.credential], false)).get(
        subjectKey(request.credential),
      );
      if (resolved instanceof ValidationError) throw resolved;
    },

    issueMany,

    /**
     * One upsert. Concurrent calls for a site are gathered and written together by `issueMany`, so
     * a busy LMS costs a transaction per batch rather than per credential.
     */
    async issue(site: Site, request: IssueRequest, actor: Actor): Promise<CredentialRow> {
      const outcome = await issueBatcher(site)({ site, request, actor });
      if (outcome instanceof Error) throw outcome;
      return outcome;
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
      const [changed] = await writer(site, [
        { target: targetOf(row), change: { status, revokeReason }, actor },
      ]);
      return changed as CredentialRow;
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
     * Re-decides every program containing the courses of these runs for their learners, set-based:
     * complete when the learner holds an awarded course credential in a counting mode for a run of
     * every course of the program. Awards (site switch, on by default) or revokes (switch, off by
     * default) program credentials through the same write path. Idempotent.
     */
    async evaluateCompletion(
      site: Site,
      checks: CompletionCheck[],
    ): Promise<{ awarded: number; revoked: number }> {
      const structure = await programStructureOf(site);
      const pairs = pairsOfChecks(structure, checks);
      const revoking = new Set(pairs.filter((pair) => pair.afterRevocation).map(pairKey));
      const mayRevoke = (state: CompletionState) => revoking.has(pairKey(state));
      // Dating again takes in the course credentials that just changed (one posted before them
      // would otherwise stay hidden).
      const decisions = await settle(site, structure, pairs, mayRevoke, true);
      return {
        awarded: decisions.filter(({ decision }) => decision === 'award').length,
        revoked: decisions.filter(({ decision }) => decision === 'revoke').length,
      };
    },

    /**
     * Recomputes completion for every learner of the site's programs (or one program, one learner) and
     * reports where the stored credentials disagree; with `fix`, repairs them through the write path.
     */
    async reconcile(site: Site, filter: { programUuid?: string; username?: string }, fix: boolean) {
      const programUuid = filter.programUuid === undefined ? undefined : parseUuid(filter.programUuid);
      if (programUuid === null) throw ValidationError.field('program', 'Must be a program UUID.');
      const drift: { username: string; program: string; change: 'award' | 'revoke' }[] = [];
      let checked = 0;
      const structure = await programStructureOf(site);
      for (const config of await completion.programConfigs(db, site.id, programUuid)) {
        const learners = await completion.candidates(
          db,
          site.id,
          config.programId ?? 0,
          config.id,
          filter.username,
        );
        for (let from = 0; from < learners.length; from += RECONCILE_CHUNK) {
          const chunk = learners.slice(from, from + RECONCILE_CHUNK);
          const usernames = new Map(chunk.map((learner) => [learner.userId, learner.username]));
          const pairs = chunk.map(({ userId }) => ({ userId, configId: config.id }));
          const decisions = await settle(site, structure, pairs, () => true, fix);
          checked += chunk.length;
          for (const { userId, decision } of decisions) {
            if (decision === 'redate') continue;
            drift.push({
              username: usernames.get(userId) ?? '',
              program: config.programUuid,
              change: decision,
            });
          }
        }
      }
      return { checked, drift, fixed: fix ? drift.length : 0 };
    },

    defineJobs(): void {
      jobs.define<ProgramCompletionJob>({
        name: PROGRAM_COMPLETION_JOB,
        retryLimit: 5,
        retryDelaySeconds: 10,
        handler: async ({ siteId, checks }) => {
          const site = await sites.findById(siteId);
          if (!site) return { skipped: 'the site no longer exists' };
          return this.evaluateCompletion(site, checks);
        },
      });
    },

    events: (credentialId: number) => repository.events(db, credentialId),

    /** `onlyVisible`: only what may be shown now (Open edX's `only_visible`). */
    list: (filter: CredentialFilter & { onlyVisible?: boolean }, page: Page) =>
      repository.list(db, { ...filter, visibleAt: filter.onlyVisible ? clock.now() : undefined }, page),
  };
}

export type CredentialsService = ReturnType<typeof createCredentialsService>;
