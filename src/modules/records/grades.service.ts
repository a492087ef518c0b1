import type { Database, Db } from '../../platform/db/database.ts';
import type { WebhookEvents } from '../webhooks/webhook-events.ts';
import { NotFoundError, ValidationError } from '../../platform/errors.ts';
import { type Actor, type AuditService, diffForAudit } from '../audit/audit.service.ts';
import type { CatalogService } from '../catalog/catalog.service.ts';
import type { Site } from '../sites/sites.service.ts';
import type { UsersService } from '../users/users.service.ts';
import { INVALID_USERNAME, isValidUsername } from '../users/usernames.ts';
import type { Grade, GradeRow, GradeValues, GradesRepository } from './grades.repository.ts';

export interface GradeInput {
  letterGrade?: string | null;
  /** 0 to 1. */
  percentGrade?: number;
  verified?: boolean;
  lmsLastUpdatedAt?: Date | null;
}

export interface GradesServiceDeps {
  webhookEvents: WebhookEvents;
  database: Database;
  repository: GradesRepository;
  users: UsersService;
  catalog: CatalogService;
  audit: AuditService;
}

/** Grades as the LMS reports them: one per learner and course run, upserted. */
export function createGradesService({
  database,
  repository,
  users,
  catalog,
  audit,
  webhookEvents,
}: GradesServiceDeps) {
  const { db } = database;

  /** The stored form: four decimals (numeric 5,4), a null letter grade as "" (as Open edX stores it). */
  function values(input: GradeInput): Partial<GradeValues> {
    return {
      ...(input.letterGrade !== undefined && { letterGrade: input.letterGrade ?? '' }),
      ...(input.percentGrade !== undefined && { percentGrade: input.percentGrade.toFixed(4) }),
      ...(input.verified !== undefined && { verified: input.verified }),
      ...(input.lmsLastUpdatedAt !== undefined && { lmsLastUpdatedAt: input.lmsLastUpdatedAt }),
    };
  }

  /** Applies what differs and audits it: the one write path of grades. */
  async function change(
    tx: Db,
    site: Site,
    grade: Grade,
    created: boolean,
    wanted: Partial<GradeValues>,
    actor: Actor,
  ) {
    const diff = diffForAudit(created ? null : (grade as Record<string, unknown>), wanted);
    if (!created && Object.keys(diff).length > 0) await repository.update(tx, grade.id, wanted);
    if (Object.keys(diff).length > 0) {
      await webhookEvents.emit(tx, site.id, [
        { event: 'grade.updated', payload: { grade_id: grade.id, changes: Object.keys(diff) } },
      ]);
      await audit.record(tx, actor, {
        siteId: site.id,
        action: created ? 'grade.created' : 'grade.updated',
        targetType: 'grade',
        targetId: grade.id,
        changes: diff,
      });
    }
  }

  async function get(site: Site, id: number): Promise<GradeRow> {
    const row = await repository.byId(db, site.id, id);
    if (!row) throw new NotFoundError();
    return row;
  }

  return {
    async upsert(
      site: Site,
      username: string,
      courseRunKey: string,
      input: GradeInput,
      actor: Actor,
    ): Promise<GradeRow> {
      if (!isValidUsername(username)) throw ValidationError.field('username', INVALID_USERNAME);
      const run = await catalog.courseRun(site.id, courseRunKey);
      if (!run)
        throw ValidationError.field(
          'course_run',
          `Course run ${courseRunKey} is not in this site's catalog.`,
        );
      const user = await users.syncFromClaims({ username }, actor);
      const wanted = values(input);
      const id = await db.transaction(async (tx) => {
        const { row, created } = await repository.lockOrCreate(tx, {
          siteId: site.id,
          userId: user.id,
          courseRunId: run.id,
          letterGrade: wanted.letterGrade ?? '',
          percentGrade: wanted.percentGrade ?? '0.0000',
          verified: wanted.verified ?? true,
          lmsLastUpdatedAt: wanted.lmsLastUpdatedAt ?? null,
        });
        await change(tx, site, row, created, wanted, actor);
        return row.id;
      });
      return get(site, id);
    },

    async update(site: Site, id: number, input: GradeInput, actor: Actor): Promise<GradeRow> {
      await db.transaction(async (tx) => {
        const grade = await repository.lock(tx, site.id, id);
        if (!grade) throw new NotFoundError();
        await change(tx, site, grade, false, values(input), actor);
      });
      return get(site, id);
    },
  };
}

export type GradesService = ReturnType<typeof createGradesService>;
