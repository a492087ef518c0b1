/**
 * What Laurel keeps of each catalog item, parsed from the catalog service's JSON (course-discovery
 * shape) and checked. A hash of the parsed item tells whether it changed since the last sync.
 */
import { createHash } from 'node:crypto';
import { parseUuid } from '../../platform/ids.ts';

export const CATALOG_RESOURCES = ['organizations', 'courses', 'programs', 'pathways'] as const;
export type CatalogResource = (typeof CATALOG_RESOURCES)[number];

export interface OrganizationItem {
  uuid: string;
  key: string;
  name: string;
  certificateLogoImageUrl: string | null;
}

export interface CourseRunItem {
  uuid: string;
  key: string;
  titleOverride: string | null;
  startDate: string | null;
  endDate: string | null;
  hidden: boolean;
}

export interface CourseItem {
  uuid: string;
  key: string;
  title: string;
  ownerUuids: string[];
  runs: CourseRunItem[];
}

export interface ProgramItem {
  uuid: string;
  title: string;
  type: string;
  typeSlug: string;
  status: 'active' | 'retired' | 'deleted' | 'unpublished';
  totalHoursOfEffort: number | null;
  authoringOrganizationUuids: string[];
  /** The program's runs in program order. */
  courseRunUuids: string[];
}

export interface PathwayItem {
  uuid: string;
  name: string;
  orgName: string;
  email: string;
  pathwayType: 'credit' | 'industry';
  status: 'published' | 'unpublished' | 'retired';
  programUuids: string[];
}

export type ParsedItem = OrganizationItem | CourseItem | ProgramItem | PathwayItem;

/** A problem with one upstream item; the sync reports it and goes on with the others. */
export class CatalogItemError extends Error {
  readonly resource: CatalogResource;
  readonly item: string;

  constructor(resource: CatalogResource, item: string, message: string) {
    super(`${resource.slice(0, -1)} ${item}: ${message}`);
    this.name = 'CatalogItemError';
    this.resource = resource;
    this.item = item;
  }
}

type Raw = Record<string, unknown>;

/** The first of each value, in order: a relation lists each target once. */
const unique = (values: string[]) => [...new Set(values)];

/** Reads fields of one raw item, naming the item in every complaint. */
function reader(resource: CatalogResource, raw: unknown) {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CatalogItemError(resource, '(unnamed)', 'is not an object');
  }
  const item = raw as Raw;
  const name = String(item.key ?? item.uuid ?? item.title ?? '(unnamed)').slice(0, 200);
  const fail = (message: string): never => {
    throw new CatalogItemError(resource, name, message);
  };
  const text = (field: string, options: { required?: boolean; max?: number } = {}): string | null => {
    const value = item[field];
    if (value === undefined || value === null || value === '') {
      return options.required ? fail(`missing "${field}"`) : null;
    }
    if (typeof value !== 'string') return fail(`"${field}" is not a string`);
    const max = options.max ?? 255;
    return value.length > max ? fail(`"${field}" is longer than ${max} characters`) : value;
  };
  const uuid = (value: unknown, field: string): string => {
    const parsed = typeof value === 'string' ? parseUuid(value) : null;
    return parsed ?? fail(`"${field}" is not a UUID`);
  };
  const list = (field: string): Raw[] => {
    const value = item[field];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) return fail(`"${field}" is not a list`);
    return value.map((entry, index) =>
      typeof entry === 'object' && entry !== null
        ? (entry as Raw)
        : fail(`"${field}[${index}]" is not an object`),
    );
  };
  const date = (value: unknown, field: string): string | null => {
    if (value === undefined || value === null || value === '') return null;
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) return fail(`"${field}" is not a date`);
    return new Date(value).toISOString();
  };
  const oneOf = <T extends string>(field: string, allowed: readonly T[], fallback: T): T => {
    const value = item[field] ?? fallback;
    return allowed.includes(value as T)
      ? (value as T)
      : fail(`"${field}" must be one of ${allowed.join(', ')}`);
  };
  return { item, name, fail, text, uuid, list, date, oneOf };
}

export function parseOrganization(raw: unknown): OrganizationItem {
  const r = reader('organizations', raw);
  return {
    uuid: r.uuid(r.item.uuid, 'uuid'),
    key: r.text('key', { required: true }) as string,
    name: r.text('name') ?? '',
    certificateLogoImageUrl: r.text('certificate_logo_image_url', { max: 2048 }),
  };
}

export function parseCourse(raw: unknown): CourseItem {
  const r = reader('courses', raw);
  const title = r.text('title') ?? '';
  return {
    uuid: r.uuid(r.item.uuid, 'uuid'),
    key: r.text('key', { required: true }) as string,
    title,
    ownerUuids: unique(r.list('owners').map((owner, i) => r.uuid(owner.uuid, `owners[${i}].uuid`))),
    runs: r.list('course_runs').flatMap((run, i, all) => {
      const key = run.key;
      if (typeof key !== 'string' || key === '' || key.length > 255)
        r.fail(`"course_runs[${i}].key" is missing or too long`);
      const runTitle = typeof run.title === 'string' && run.title !== title ? run.title.slice(0, 255) : null;
      const uuid = r.uuid(run.uuid, `course_runs[${i}].uuid`);
      // A run listed twice counts once.
      if (all.findIndex((other) => typeof other.uuid === 'string' && parseUuid(other.uuid) === uuid) < i)
        return [];
      return {
        uuid,
        key: key as string,
        titleOverride: runTitle,
        startDate: r.date(run.start ?? run.start_date, `course_runs[${i}].start`),
        endDate: r.date(run.end ?? run.end_date, `course_runs[${i}].end`),
        hidden: run.hidden === true,
      };
    }),
  };
}

export function parseProgram(raw: unknown): ProgramItem {
  const r = reader('programs', raw);
  const hours = r.item.total_hours_of_effort;
  if (
    hours !== undefined &&
    hours !== null &&
    (typeof hours !== 'number' || !Number.isInteger(hours) || hours < 0 || hours > 32767)
  ) {
    r.fail('"total_hours_of_effort" is not a small whole number');
  }
  const typeAttrs = (r.item.type_attrs ?? {}) as Raw;
  const slug = typeof typeAttrs.slug === 'string' ? typeAttrs.slug.slice(0, 64) : '';
  return {
    uuid: r.uuid(r.item.uuid, 'uuid'),
    title: r.text('title', { required: true }) as string,
    type: (r.text('type', { max: 64 }) ?? '').slice(0, 64),
    typeSlug: slug,
    status: r.oneOf('status', ['active', 'retired', 'deleted', 'unpublished'] as const, 'active'),
    totalHoursOfEffort: typeof hours === 'number' ? hours : null,
    authoringOrganizationUuids: unique(
      r
        .list('authoring_organizations')
        .map((org, i) => r.uuid(org.uuid, `authoring_organizations[${i}].uuid`)),
    ),
    courseRunUuids: unique(
      r.list('courses').flatMap((course, i) => {
        const runs = course.course_runs;
        if (runs !== undefined && !Array.isArray(runs)) r.fail(`"courses[${i}].course_runs" is not a list`);
        return ((runs ?? []) as Raw[]).map((run, j) =>
          r.uuid(run?.uuid, `courses[${i}].course_runs[${j}].uuid`),
        );
      }),
    ),
  };
}

export function parsePathway(raw: unknown): PathwayItem {
  const r = reader('pathways', raw);
  return {
    uuid: r.uuid(r.item.uuid, 'uuid'),
    name: r.text('name', { required: true }) as string,
    orgName: r.text('org_name') ?? '',
    email: r.text('email', { max: 254 }) ?? '',
    pathwayType: r.oneOf('pathway_type', ['credit', 'industry'] as const, 'credit'),
    status: r.oneOf('status', ['published', 'unpublished', 'retired'] as const, 'published'),
    programUuids: unique(r.list('programs').map((program, i) => r.uuid(program.uuid, `programs[${i}].uuid`))),
  };
}

export const PARSERS = {
  organizations: parseOrganization,
  courses: parseCourse,
  programs: parseProgram,
  pathways: parsePathway,
} satisfies Record<CatalogResource, (raw: unknown) => ParsedItem>;

/** A stable fingerprint of what Laurel keeps of an item. */
export function contentHash(item: ParsedItem): string {
  return createHash('sha256').update(JSON.stringify(item)).digest('hex');
}

/** How an item is named in reports: its key, title or name, and its UUID. */
export function describeItem(item: ParsedItem): string {
  const label = 'key' in item ? item.key : 'title' in item ? item.title : item.name;
  return `${label} (${item.uuid})`;
}
