import type { CompletionCheck, CredentialStatus } from './credential-writes.ts';

/**
 * Program completion worked out in process from two reads: the site's program structure (which
 * courses each program configuration needs), kept while nothing site-wide changes, and the
 * credentials of the learners concerned, read in one query per set of learners.
 */

/** A program configuration and the courses of its program (from any of their runs). */
export interface ProgramNeeds {
  configId: number;
  isActive: boolean;
  courses: ReadonlySet<number>;
}

export interface ProgramStructure {
  configs: ReadonlyMap<number, ProgramNeeds>;
  /** The program configurations whose programs contain a run of a course. */
  byCourse: ReadonlyMap<number, readonly ProgramNeeds[]>;
}

/** One credential of a learner, with the course of its run (course-run credentials). */
export interface LearnerCredential {
  userId: number;
  configId: number;
  status: CredentialStatus;
  kind: string;
  mode: string | null;
  runKey: string | null;
  courseId: number | null;
}

/** A learner's standing on one program configuration: what program completion decides from. */
export interface CompletionState {
  userId: number;
  configId: number;
  isActive: boolean;
  /** Holds an awarded course credential in a counting mode for a run of every course of the program. */
  complete: boolean;
  /** The learner's program credential, if any. */
  current: CredentialStatus | null;
}

export function programStructure(rows: { configId: number; isActive: boolean; courseId: number }[]) {
  const configs = new Map<number, ProgramNeeds & { courses: Set<number> }>();
  const byCourse = new Map<number, ProgramNeeds[]>();
  for (const { configId, isActive, courseId } of rows) {
    let needs = configs.get(configId);
    if (!needs) configs.set(configId, (needs = { configId, isActive, courses: new Set() }));
    if (needs.courses.has(courseId)) continue;
    needs.courses.add(courseId);
    byCourse.set(courseId, [...(byCourse.get(courseId) ?? []), needs]);
  }
  return { configs, byCourse } satisfies ProgramStructure;
}

/** The (learner, program configuration) pairs that changes to these runs' credentials may decide. */
export function pairsOfChecks(
  structure: ProgramStructure,
  credentials: LearnerCredential[],
  checks: CompletionCheck[],
): { userId: number; configId: number }[] {
  const courseOfRun = new Map(
    credentials.flatMap(({ runKey, courseId }) =>
      runKey !== null && courseId !== null ? [[runKey, courseId] as const] : [],
    ),
  );
  const pairs = new Map<string, { userId: number; configId: number }>();
  for (const { userId, courseRunKey } of checks) {
    const course = courseOfRun.get(courseRunKey);
    for (const { configId } of course === undefined ? [] : (structure.byCourse.get(course) ?? [])) {
      pairs.set(`${userId}:${configId}`, { userId, configId });
    }
  }
  return [...pairs.values()];
}

/**
 * The states of the given pairs, from the learners' credentials. Pairs naming anything but one of
 * the structure's program configurations are left out; a program with no courses is never complete.
 */
export function completionStates(
  structure: ProgramStructure,
  credentials: LearnerCredential[],
  pairs: { userId: number; configId: number }[],
  countingModes: readonly string[],
): CompletionState[] {
  const held = new Map<number, Set<number>>();
  const current = new Map<string, CredentialStatus>();
  for (const credential of credentials) {
    current.set(`${credential.userId}:${credential.configId}`, credential.status);
    const counts =
      credential.kind === 'course-run' &&
      credential.status === 'awarded' &&
      credential.courseId !== null &&
      countingModes.includes(credential.mode ?? '');
    if (!counts) continue;
    let courses = held.get(credential.userId);
    if (!courses) held.set(credential.userId, (courses = new Set()));
    courses.add(credential.courseId as number);
  }
  return pairs.flatMap(({ userId, configId }) => {
    const needs = structure.configs.get(configId);
    if (!needs) return [];
    const courses = held.get(userId);
    const complete = needs.courses.size > 0 && [...needs.courses].every((course) => courses?.has(course));
    return [
      {
        userId,
        configId,
        isActive: needs.isActive,
        complete,
        current: current.get(`${userId}:${configId}`) ?? null,
      },
    ];
  });
}
