import type { CompletionCheck, CredentialStatus } from './credential-writes.ts';

/**
 * Program completion worked out in process from two reads: the site's program structure (which
 * courses each program configuration needs, which course each run belongs to), kept while nothing
 * site-wide changes, and the holdings of the learners concerned, read in one query per set of learners.
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
  /** The course of every run of a course that belongs to a program. */
  courseOfRun: ReadonlyMap<string, number>;
}

/** A learner's credential that completion looks at: a course credential (with its course) or a program's. */
export interface Holding {
  userId: number;
  configId: number;
  status: CredentialStatus;
  mode: string | null;
  /** Null for a program credential. */
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

type Pair = { userId: number; configId: number };

export function programStructure(
  programCourses: { configId: number; isActive: boolean; courseId: number }[],
  runs: { key: string; courseId: number }[],
): ProgramStructure {
  const configs = new Map<number, ProgramNeeds & { courses: Set<number> }>();
  const byCourse = new Map<number, ProgramNeeds[]>();
  for (const { configId, isActive, courseId } of programCourses) {
    let needs = configs.get(configId);
    if (!needs) configs.set(configId, (needs = { configId, isActive, courses: new Set() }));
    if (needs.courses.has(courseId)) continue;
    needs.courses.add(courseId);
    let programs = byCourse.get(courseId);
    if (!programs) byCourse.set(courseId, (programs = []));
    programs.push(needs);
  }
  return { configs, byCourse, courseOfRun: new Map(runs.map((run) => [run.key, run.courseId])) };
}

/**
 * The (learner, program configuration) pairs that changes to these runs' credentials may decide, and
 * whether a revocation is among those changes.
 */
export function pairsOfChecks(
  structure: ProgramStructure,
  checks: CompletionCheck[],
): (Pair & { afterRevocation: boolean })[] {
  const pairs = new Map<string, Pair & { afterRevocation: boolean }>();
  for (const { userId, courseRunKey, revoked } of checks) {
    const course = structure.courseOfRun.get(courseRunKey);
    for (const { configId } of course === undefined ? [] : (structure.byCourse.get(course) ?? [])) {
      const key = `${userId}:${configId}`;
      const afterRevocation = revoked !== false || pairs.get(key)?.afterRevocation === true;
      pairs.set(key, { userId, configId, afterRevocation });
    }
  }
  return [...pairs.values()];
}

/**
 * What to read of learners to decide these pairs: their credentials in the courses of the programs,
 * and their credentials of the program configurations themselves.
 */
export function holdingsToRead(structure: ProgramStructure, pairs: Pair[]) {
  const courses = new Map<string, { userId: number; courseId: number }>();
  const programs: Pair[] = [];
  for (const pair of pairs) {
    const needs = structure.configs.get(pair.configId);
    if (!needs) continue;
    programs.push(pair);
    for (const courseId of needs.courses) {
      courses.set(`${pair.userId}:${courseId}`, { userId: pair.userId, courseId });
    }
  }
  return { courses: [...courses.values()], programs };
}

/**
 * The states of the given pairs. Pairs naming anything but one of the structure's program
 * configurations are left out; a program with no courses is never complete.
 */
export function completionStates(
  structure: ProgramStructure,
  holdings: Holding[],
  pairs: Pair[],
  countingModes: readonly string[],
): CompletionState[] {
  const held = new Set<string>();
  const current = new Map<string, CredentialStatus>();
  for (const { userId, configId, status, mode, courseId } of holdings) {
    if (courseId === null) current.set(`${userId}:${configId}`, status);
    else if (status === 'awarded' && countingModes.includes(mode ?? '')) held.add(`${userId}:${courseId}`);
  }
  return pairs.flatMap(({ userId, configId }) => {
    const needs = structure.configs.get(configId);
    if (!needs) return [];
    const complete =
      needs.courses.size > 0 && [...needs.courses].every((course) => held.has(`${userId}:${course}`));
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
