/**
 * A fake Open edX course-discovery ("Discovery") catalog API, as a real HTTP server, for tests, the
 * demo and benchmarks. It serves the four paginated lists Laurel syncs from — organizations, courses,
 * programs and pathways — under `/api/v1/`, in Django REST framework's page-number pagination envelope.
 * The data it serves is held in `data`, which tests may change between syncs. Failures (error statuses,
 * hanging requests, truncated bodies, missing fields) can be injected per resource and page.
 */
import { type IncomingMessage, type ServerResponse, STATUS_CODES, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CatalogOrganization {
  uuid: string;
  key: string;
  name: string;
  certificate_logo_image_url: string | null;
  logo_image_url: string | null;
}

/** An organization as listed among a course's owners. */
export interface CatalogCourseOwner {
  uuid: string;
  key: string;
  name: string;
}

export interface CatalogCourseRun {
  uuid: string;
  key: string;
  title: string;
  /** ISO 8601, or null when not scheduled. */
  start: string | null;
  end: string | null;
  status: 'published' | 'unpublished';
  hidden: boolean;
  /** The run's seat type: 'verified', 'audit', 'professional', 'credit', … */
  type: string;
}

export interface CatalogCourse {
  uuid: string;
  key: string;
  title: string;
  owners: CatalogCourseOwner[];
  course_runs: CatalogCourseRun[];
}

/** A run as listed inside a program's course. */
export interface CatalogProgramCourseRun {
  uuid: string;
  key: string;
  title: string;
  start: string | null;
  end: string | null;
}

/** A course as listed inside a program: only the program's runs of it, in program order. */
export interface CatalogProgramCourse {
  uuid: string;
  key: string;
  title: string;
  course_runs: CatalogProgramCourseRun[];
}

export interface CatalogProgramOrganization {
  uuid: string;
  key: string;
  name: string;
  certificate_logo_image_url: string | null;
}

export type CatalogProgramStatus = 'active' | 'retired' | 'unpublished' | 'deleted';

export interface CatalogProgram {
  uuid: string;
  title: string;
  /** 'Professional Certificate', 'MicroMasters', 'XSeries', 'MicroBachelors', … */
  type: string;
  type_attrs: { uuid: string; slug: string };
  status: CatalogProgramStatus;
  total_hours_of_effort: number | null;
  authoring_organizations: CatalogProgramOrganization[];
  courses: CatalogProgramCourse[];
}

export interface CatalogPathway {
  id: number;
  uuid: string;
  name: string;
  org_name: string;
  email: string;
  destination_url: string;
  status: 'published' | 'unpublished' | 'retired';
  pathway_type: 'credit' | 'industry';
  programs: { uuid: string; title: string }[];
}

export interface CatalogData {
  organizations: CatalogOrganization[];
  courses: CatalogCourse[];
  programs: CatalogProgram[];
  pathways: CatalogPathway[];
}

export type CatalogResource = 'organizations' | 'courses' | 'programs' | 'pathways';

interface FailureSelector {
  resource: CatalogResource;
  /** The page (1-based) the rule applies to; every page when absent. */
  page?: number;
  /** How many matching requests the rule applies to; forever when absent. */
  times?: number;
}

export type FailureRule =
  | (FailureSelector & { kind: 'status'; status: number })
  /** Never answers (until `stop()`). */
  | (FailureSelector & { kind: 'timeout' })
  /** 200 with a truncated JSON body. */
  | (FailureSelector & { kind: 'malformed' })
  /** 200, but `field` removed from every item of the page. */
  | (FailureSelector & { kind: 'drop-field'; field: string });

export interface FakeCatalogOptions {
  port?: number;
  data?: CatalogData;
  /** When given and it answers false for a request's Authorization header, the request gets a 401. */
  requireToken?: (authorization: string | undefined) => Promise<boolean> | boolean;
}

export interface FakeCatalog {
  url: string;
  /** `url` + '/api/v1/'. */
  apiUrl: string;
  /** What is served; tests may change it (or replace it) between syncs. */
  data: CatalogData;
  /** Requests for each resource's pages, including ones answered with a 401 or an injected failure. */
  counts: Record<CatalogResource, number>;
  /** Every request received, in order: path with query string, and the Authorization header if any. */
  requests: { path: string; authorization?: string }[];
  fail(rule: FailureRule): void;
  clearFailures(): void;
  stop(): Promise<void>;
}

const RESOURCES: readonly CatalogResource[] = ['organizations', 'courses', 'programs', 'pathways'];
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 500;

const logoUrl = (key: string) => `https://catalog.example.org/logos/${key}.png`;

// ---------------------------------------------------------------------------------------------------
// The fixture: a small, realistic catalog with fixed UUIDs.

const PROGRAM_TYPES = {
  'Professional Certificate': {
    uuid: '0cf588bb-170e-45be-bf17-95022d36d411',
    slug: 'professional-certificate',
  },
  MicroMasters: { uuid: 'cb925e57-9e43-410d-8a71-ba0af9b0ebaa', slug: 'micromasters' },
  XSeries: { uuid: '6fcd8cc4-51c0-476a-82d1-802860f5fe7c', slug: 'xseries' },
  MicroBachelors: { uuid: '12d934c9-800b-4d68-b9c0-5956ed208816', slug: 'microbachelors' },
} as const;
type ProgramTypeName = keyof typeof PROGRAM_TYPES;

type RunSpec = [uuid: string, term: string, options?: Partial<CatalogCourseRun>];

const TERM_DATES: Record<string, [string, string]> = {
  '2025T1': ['2025-01-13T00:00:00Z', '2025-05-30T23:59:00Z'],
  '2025T2': ['2025-05-05T00:00:00Z', '2025-08-29T23:59:00Z'],
  '2025T3': ['2025-09-02T00:00:00Z', '2025-12-19T23:59:00Z'],
  '2026T1': ['2026-01-12T00:00:00Z', '2026-05-29T23:59:00Z'],
  '2026T2': ['2026-05-04T00:00:00Z', '2026-08-28T23:59:00Z'],
  '2026T3': ['2026-09-01T00:00:00Z', '2026-12-18T23:59:00Z'],
};

/**
 * A small catalog: 3 organizations, 10 courses with 17 runs (some hidden, some unpublished), 4 programs
 * of 4 types (one retired), and 2 pathways (one credit, one industry). Each call returns fresh objects.
 */
export function fixtureCatalog(): CatalogData {
  const organizationRows: [uuid: string, key: string, name: string][] = [
    ['3842b39d-3644-40fa-8555-1e45a7c7de48', 'HarvardX', 'Harvard University'],
    ['b8d0ed09-6f1a-4cf4-87c9-9e4f80c1aada', 'MITx', 'Massachusetts Institute of Technology'],
    ['7a91ba57-2836-4a66-b3e6-0745eec5e1e5', 'UPValenciaX', 'Universitat Politècnica de València'],
  ];
  const organizations: CatalogOrganization[] = organizationRows.map(([uuid, key, name]) => ({
    uuid,
    key,
    name,
    certificate_logo_image_url: logoUrl(key),
    logo_image_url: logoUrl(key),
  }));
  const org = (key: string) => {
    const found = organizations.find((o) => o.key === key);
    if (!found) throw new Error(`no organization ${key}`);
    return found;
  };

  const course = (
    uuid: string,
    key: string,
    title: string,
    ownerKeys: string[],
    runs: RunSpec[],
  ): CatalogCourse => ({
    uuid,
    key,
    title,
    owners: ownerKeys.map((k) => ({ uuid: org(k).uuid, key: org(k).key, name: org(k).name })),
    course_runs: runs.map(([runUuid, term, options = {}]) => {
      const [start, end] = TERM_DATES[term] ?? [null, null];
      return {
        uuid: runUuid,
        key: `course-v1:${key}+${term}`,
        title,
        start,
        end,
        status: 'published',
        hidden: false,
        type: 'verified',
        ...options,
      };
    }),
  });

  const courses: CatalogCourse[] = [
    course(
      '60edaf2b-d8b4-4656-9552-93787983a0e9',
      'HarvardX+CS50',
      "CS50's Introduction to Computer Science",
      ['HarvardX'],
      [
        ['c07401a0-2ce3-4c0d-bfbb-57640192fd41', '2025T1'],
        ['1809f9a0-c239-4f38-a69e-5cbbe6297485', '2026T1', { title: 'CS50x 2026' }],
        [
          '2308d6b7-7f3e-4204-8f0b-e1f6bee5210f',
          '2026T2',
          { status: 'unpublished', hidden: true, start: null, end: null },
        ],
      ],
    ),
    course(
      'fba9535f-d81c-4988-b10b-1883ce3bd5ab',
      'HarvardX+CS50W',
      "CS50's Web Programming with Python and JavaScript",
      ['HarvardX'],
      [['9ec713d1-7aa0-4bf7-af2a-3938288d0992', '2026T1']],
    ),
    course(
      '4f6f72b2-8724-45ae-b3b4-04afed04fb6e',
      'HarvardX+CS50AI',
      "CS50's Introduction to Artificial Intelligence with Python",
      ['HarvardX'],
      [
        ['a6787ac6-c0f8-4bfe-833d-d7a4a0b7c866', '2025T2'],
        ['5b1302ca-f315-4c5d-b673-276cc619b5a5', '2026T1', { hidden: true }],
      ],
    ),
    course(
      '2e077e08-e286-47bf-8283-7a2e7332f1bf',
      'HarvardX+PH125.1x',
      'Data Science: R Basics',
      ['HarvardX'],
      [['14cabd83-e5bf-48a2-bf2d-61ca795952b3', '2026T1', { type: 'audit' }]],
    ),
    course(
      '66c49e3f-348d-4042-92bf-8a166d14813f',
      'MITx+6.00.1x',
      'Introduction to Computer Science and Programming Using Python',
      ['MITx'],
      [
        ['c72d13bc-a00b-40ce-9bcb-6a6f7e1cbdbf', '2025T3'],
        ['032037d1-7af8-48e2-997a-5046797b466d', '2026T1'],
      ],
    ),
    course(
      'bc8d435d-a95e-4d4e-8b8f-a82b4857ab2b',
      'MITx+6.00.2x',
      'Introduction to Computational Thinking and Data Science',
      ['MITx'],
      [['aa3b4adc-ba7d-46ea-a598-d6d09178f617', '2026T1']],
    ),
    course(
      '0d7a45b8-4245-418d-9d03-a0ea5d147b86',
      'MITx+18.01.1x',
      'Calculus 1A: Differentiation',
      ['MITx'],
      [['4889bdd6-396a-42cf-94ac-0c5e2a05c86b', '2026T1', { status: 'unpublished' }]],
    ),
    course(
      '223cd774-201d-480a-b32a-c1d84bfd5926',
      'MITx+14.73x',
      'The Challenges of Global Poverty',
      ['MITx'],
      [
        ['36249d6b-ac60-46cc-a8aa-103cb576cece', '2025T1', { type: 'professional' }],
        ['df78b2a5-d96e-4b52-b429-acb2a90e75fb', '2026T1', { type: 'professional' }],
        ['60ebc2f9-d37f-4694-8c19-cc96709b03d6', '2026T3', { status: 'unpublished', hidden: true }],
      ],
    ),
    course(
      'e397f55b-0560-4a73-8a65-d486d4dfd3ea',
      'UPValenciaX+IP101x',
      'Introducción a la programación',
      ['UPValenciaX'],
      [['62c356b8-47c3-4fe7-b974-9cc263452025', '2026T1', { type: 'credit' }]],
    ),
    course(
      '8eda8be6-2eb1-456e-8817-287b5d991e30',
      'UPValenciaX+ADE201x',
      'Análisis de datos con Excel',
      ['UPValenciaX', 'MITx'],
      [
        ['4a5eb65c-9d35-4173-8184-1752e5599073', '2025T2'],
        ['ae4ddd50-b63e-42a0-90c8-e1309e74a52a', '2026T1'],
      ],
    ),
  ];

  /** A program's courses, built from its runs (given by key) in program order. */
  const programCourses = (runKeys: string[]): CatalogProgramCourse[] => {
    const result: CatalogProgramCourse[] = [];
    for (const runKey of runKeys) {
      const owner = courses.find((c) => c.course_runs.some((r) => r.key === runKey));
      const run = owner?.course_runs.find((r) => r.key === runKey);
      if (!owner || !run) throw new Error(`no run ${runKey}`);
      let entry = result.find((c) => c.uuid === owner.uuid);
      if (!entry) {
        entry = { uuid: owner.uuid, key: owner.key, title: owner.title, course_runs: [] };
        result.push(entry);
      }
      entry.course_runs.push({
        uuid: run.uuid,
        key: run.key,
        title: run.title,
        start: run.start,
        end: run.end,
      });
    }
    return result;
  };
  const program = (
    uuid: string,
    title: string,
    type: ProgramTypeName,
    status: CatalogProgramStatus,
    hours: number | null,
    authoringKeys: string[],
    runKeys: string[],
  ): CatalogProgram => ({
    uuid,
    title,
    type,
    type_attrs: { uuid: PROGRAM_TYPES[type].uuid, slug: PROGRAM_TYPES[type].slug },
    status,
    total_hours_of_effort: hours,
    authoring_organizations: authoringKeys.map((k) => ({
      uuid: org(k).uuid,
      key: org(k).key,
      name: org(k).name,
      certificate_logo_image_url: org(k).certificate_logo_image_url,
    })),
    courses: programCourses(runKeys),
  });

  const programs: CatalogProgram[] = [
    program(
      '38b188e3-ca9f-4688-8ede-6ea9f663ba2c',
      'Computer Science for Web Programming',
      'Professional Certificate',
      'active',
      200,
      ['HarvardX'],
      ['course-v1:HarvardX+CS50+2026T1', 'course-v1:HarvardX+CS50W+2026T1'],
    ),
    program(
      '884994e1-9e56-4e55-9e61-49ec1b622c90',
      'Data, Economics, and Design of Policy',
      'MicroMasters',
      'active',
      null,
      ['MITx'],
      [
        'course-v1:MITx+6.00.1x+2026T1',
        'course-v1:MITx+6.00.2x+2026T1',
        'course-v1:MITx+14.73x+2025T1',
        'course-v1:MITx+14.73x+2026T1',
      ],
    ),
    program(
      'e012e834-82de-4017-9c6e-2cc991df5fa7',
      'Computational Thinking using Python',
      'XSeries',
      'retired',
      null,
      ['MITx', 'HarvardX'],
      [
        'course-v1:MITx+6.00.1x+2025T3',
        'course-v1:HarvardX+CS50AI+2025T2',
        'course-v1:HarvardX+CS50AI+2026T1',
      ],
    ),
    program(
      '91010476-bfc8-4ec9-bbcc-751484ed8872',
      'Programación y análisis de datos',
      'MicroBachelors',
      'active',
      120,
      ['UPValenciaX', 'MITx'],
      [
        'course-v1:UPValenciaX+IP101x+2026T1',
        'course-v1:UPValenciaX+ADE201x+2025T2',
        'course-v1:UPValenciaX+ADE201x+2026T1',
      ],
    ),
  ];
  const programRef = (index: number) => {
    const p = programs[index] as CatalogProgram;
    return { uuid: p.uuid, title: p.title };
  };

  const pathways: CatalogPathway[] = [
    {
      id: 1,
      uuid: '94b85ca8-a885-4e25-aeae-fc318d660e98',
      name: "Credit toward a Master's in Data, Economics, and Development Policy",
      org_name: 'Massachusetts Institute of Technology',
      email: 'dedp-credit@mit.example.org',
      destination_url: 'https://mit.example.org/dedp/apply',
      status: 'published',
      pathway_type: 'credit',
      programs: [programRef(1), programRef(3)],
    },
    {
      id: 2,
      uuid: 'dcbcb269-aed9-4ff9-8ed7-d3030808afa9',
      name: 'Junior Web Developer Hiring Pathway',
      org_name: 'Example Industry Partners',
      email: '',
      destination_url: 'https://careers.example.com/junior-web-developer',
      status: 'published',
      pathway_type: 'industry',
      programs: [programRef(0)],
    },
  ];

  return { organizations, courses, programs, pathways };
}

// ---------------------------------------------------------------------------------------------------
// The generator: a large, deterministic catalog for benchmarks.

/** murmur3's finalizer: a cheap, well-mixed 32-bit hash. */
function mix32(value: number): number {
  let x = value | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

const hex = (value: number, width: number) => value.toString(16).padStart(width, '0');

/**
 * A deterministic version 4 UUID for (seed, counter): random-looking, with the version and variant bits
 * set. The last 32 bits are the counter XOR a mask from the seed, so distinct counters give distinct UUIDs.
 */
function seededUuid(seed: number, counter: number): string {
  const a = mix32(seed ^ Math.imul(counter + 1, 0x9e3779b9));
  const b = mix32(a ^ 0x5bd1e995);
  const c = mix32(b ^ seed);
  const maskLo = mix32(seed ^ 0x27d4eb2f);
  return (
    `${hex(a, 8)}-${hex(b >>> 16, 4)}-4${hex(b & 0xfff, 3)}-` +
    `${hex(0x8000 | (c & 0x3fff), 4)}-${hex(c >>> 16, 4)}${hex((counter ^ maskLo) >>> 0, 8)}`
  );
}

/** mulberry32: a small seeded PRNG giving floats in [0, 1). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenerateCatalogOptions {
  programs: number;
  /** Runs per program, each of its own course (so courses = runs = programs × runsPerProgram). */
  runsPerProgram: number;
  /** Default 50. */
  organizations?: number;
  /** Default 20. */
  pathways?: number;
  /** Default 1. */
  seed?: number;
}

/**
 * A large catalog for benchmarks, the same for the same options. Every program has `runsPerProgram` runs,
 * each from a course of its own with a single run; programs cycle through the four program types.
 */
export function generateCatalog(options: GenerateCatalogOptions): CatalogData {
  const programCount = options.programs;
  const runsPerProgram = options.runsPerProgram;
  const organizationCount = options.organizations ?? 50;
  const pathwayCount = options.pathways ?? 20;
  const seed = (options.seed ?? 1) >>> 0;
  for (const [name, value] of Object.entries({
    programCount,
    runsPerProgram,
    organizationCount,
    pathwayCount,
  }))
    if (!Number.isInteger(value) || value < 0) throw new Error(`generateCatalog: bad ${name} ${value}`);
  if (organizationCount === 0 && programCount > 0)
    throw new Error('generateCatalog: programs need at least one organization');

  let counter = 0;
  const uuid = () => seededUuid(seed, counter++);
  const random = prng(seed);

  const organizations: CatalogOrganization[] = [];
  for (let i = 0; i < organizationCount; i++) {
    const key = `Org${String(i + 1).padStart(3, '0')}X`;
    organizations.push({
      uuid: uuid(),
      key,
      name: i % 10 === 3 ? `Universidad Número ${i + 1}` : `Example University ${i + 1}`,
      certificate_logo_image_url: logoUrl(key),
      logo_image_url: logoUrl(key),
    });
  }

  const typeNames = Object.keys(PROGRAM_TYPES) as ProgramTypeName[];
  const types = typeNames.map((name) => ({ name, uuid: uuid(), slug: PROGRAM_TYPES[name].slug }));

  // Dates: whole days from 2024-01-01, formatted once per distinct day.
  const base = Date.UTC(2024, 0, 1);
  const dayStrings = new Map<number, string>();
  const day = (offset: number) => {
    let text = dayStrings.get(offset);
    if (text === undefined) {
      text = new Date(base + offset * 86_400_000).toISOString().replace('.000Z', 'Z');
      dayStrings.set(offset, text);
    }
    return text;
  };

  const courses: CatalogCourse[] = [];
  const programs: CatalogProgram[] = [];
  for (let p = 0; p < programCount; p++) {
    const type = types[p % types.length] as (typeof types)[number];
    const first = organizations[p % organizationCount] as CatalogOrganization;
    const authors = [first];
    if (p % 3 === 0 && organizationCount > 1)
      authors.push(organizations[(p + 1) % organizationCount] as CatalogOrganization);
    const owner: CatalogCourseOwner = { uuid: first.uuid, key: first.key, name: first.name };

    const programCourses: CatalogProgramCourse[] = [];
    for (let r = 0; r < runsPerProgram; r++) {
      const number = courses.length + 1;
      const courseKey = `${first.key}+C${number}`;
      const title = number % 7 === 0 ? `Introducción al tema ${number}` : `Course ${number}`;
      const startDay = Math.floor(random() * 900);
      const start = day(startDay);
      const end = random() < 0.05 ? null : day(startDay + 56 + Math.floor(random() * 56));
      const term = `${2024 + Math.floor(startDay / 365)}T${1 + (Math.floor(startDay / 122) % 3)}`;
      const roll = random();
      const run: CatalogCourseRun = {
        uuid: uuid(),
        key: `course-v1:${courseKey}+${term}`,
        title,
        start,
        end,
        status: roll < 0.97 ? 'published' : 'unpublished',
        hidden: roll > 0.95,
        type: roll < 0.8 ? 'verified' : roll < 0.9 ? 'audit' : 'professional',
      };
      const course: CatalogCourse = {
        uuid: uuid(),
        key: courseKey,
        title,
        owners: [owner],
        course_runs: [run],
      };
      courses.push(course);
      programCourses.push({
        uuid: course.uuid,
        key: courseKey,
        title,
        course_runs: [{ uuid: run.uuid, key: run.key, title, start, end }],
      });
    }

    const roll = random();
    const status: CatalogProgramStatus =
      roll < 0.85 ? 'active' : roll < 0.93 ? 'retired' : roll < 0.98 ? 'unpublished' : 'deleted';
    programs.push({
      uuid: uuid(),
      title: `${type.name} in Topic ${p + 1}`,
      type: type.name,
      type_attrs: { uuid: type.uuid, slug: type.slug },
      status,
      total_hours_of_effort: random() < 0.7 ? 20 + Math.floor(random() * 380) : null,
      authoring_organizations: authors.map((o) => ({
        uuid: o.uuid,
        key: o.key,
        name: o.name,
        certificate_logo_image_url: o.certificate_logo_image_url,
      })),
      courses: programCourses,
    });
  }

  const pathways: CatalogPathway[] = [];
  for (let i = 0; i < pathwayCount; i++) {
    const credit = i % 2 === 0;
    const orgName = organizationCount
      ? (organizations[i % organizationCount] as CatalogOrganization).name
      : 'Example Partner';
    const linked: { uuid: string; title: string }[] = [];
    for (let p = i; p < programCount && linked.length < 3; p += pathwayCount) {
      const linkedProgram = programs[p] as CatalogProgram;
      linked.push({ uuid: linkedProgram.uuid, title: linkedProgram.title });
    }
    pathways.push({
      id: i + 1,
      uuid: uuid(),
      name: credit ? `Credit Pathway ${i + 1}` : `Industry Pathway ${i + 1}`,
      org_name: orgName,
      email: credit ? `pathway-${i + 1}@example.org` : '',
      destination_url: `https://partners.example.org/pathways/${i + 1}`,
      status: i % 10 === 9 ? 'retired' : 'published',
      pathway_type: credit ? 'credit' : 'industry',
      programs: linked,
    });
  }

  return { organizations, courses, programs, pathways };
}

// ---------------------------------------------------------------------------------------------------
// The server.

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': text.length, ...headers });
  res.end(text);
}

/** DRF's page-number parameter: a positive integer, else invalid (NaN). */
function parsePage(value: string | null): number {
  if (value === null) return 1;
  return /^[0-9]+$/.test(value) && Number(value) > 0 ? Number(value) : Number.NaN;
}

/** DRF's page size parameter: a positive integer, capped; anything else means the default. */
function parsePageSize(value: string | null): number {
  if (value === null || !/^[0-9]+$/.test(value) || Number(value) <= 0) return DEFAULT_PAGE_SIZE;
  return Math.min(Number(value), MAX_PAGE_SIZE);
}

export async function startFakeCatalog(options: FakeCatalogOptions = {}): Promise<FakeCatalog> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const apiUrl = `${url}/api/v1/`;
  const rules: { rule: FailureRule; remaining: number }[] = [];

  const catalog: FakeCatalog = {
    url,
    apiUrl,
    data: options.data ?? fixtureCatalog(),
    counts: { organizations: 0, courses: 0, programs: 0, pathways: 0 },
    requests: [],
    fail(rule) {
      rules.push({ rule: { ...rule }, remaining: rule.times ?? Number.POSITIVE_INFINITY });
    },
    clearFailures() {
      rules.splice(0, rules.length);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  /** The first rule matching the request that has uses left, which it uses up one of. */
  const takeRule = (resource: CatalogResource, page: number): FailureRule | undefined => {
    const match = rules.find(
      (r) =>
        r.remaining > 0 &&
        r.rule.resource === resource &&
        (r.rule.page === undefined || r.rule.page === page),
    );
    if (!match) return undefined;
    match.remaining -= 1;
    return match.rule;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const authorization = req.headers.authorization;
    catalog.requests.push(
      authorization === undefined ? { path: req.url ?? '/' } : { path: req.url ?? '/', authorization },
    );
    const requestUrl = new URL(req.url ?? '/', url);
    const route = /^\/api\/v1\/([a-z]+)\/?$/.exec(requestUrl.pathname)?.[1];
    const resource = RESOURCES.find((r) => r === route);
    if (!resource) {
      sendJson(res, 404, { detail: 'Not found.' });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { detail: `Method "${req.method}" not allowed.` }, { allow: 'GET, HEAD, OPTIONS' });
      return;
    }
    catalog.counts[resource] += 1;

    if (options.requireToken && !(await options.requireToken(authorization))) {
      sendJson(
        res,
        401,
        { detail: 'Authentication credentials were not provided.' },
        { 'www-authenticate': 'JWT realm="api"' },
      );
      return;
    }

    const page = parsePage(requestUrl.searchParams.get('page'));
    const rule = takeRule(resource, page);
    if (rule?.kind === 'timeout') return; // Never answered; stop() closes the connection.
    if (rule?.kind === 'status') {
      sendJson(res, rule.status, { detail: STATUS_CODES[rule.status] ?? 'Injected failure.' });
      return;
    }

    const items: readonly unknown[] = catalog.data[resource];
    const pageSize = parsePageSize(requestUrl.searchParams.get('page_size'));
    const pageCount = Math.max(1, Math.ceil(items.length / pageSize));
    if (!(page <= pageCount)) {
      sendJson(res, 404, { detail: 'Invalid page.' });
      return;
    }
    const link = (target: number) => {
      const linked = new URL(requestUrl.pathname + requestUrl.search, url);
      // As DRF does, the link to the first page carries no page number.
      if (target === 1) linked.searchParams.delete('page');
      else linked.searchParams.set('page', String(target));
      return linked.toString();
    };
    let results = items.slice((page - 1) * pageSize, page * pageSize);
    if (rule?.kind === 'drop-field') {
      const field = rule.field;
      results = results.map((item) =>
        Object.fromEntries(Object.entries(item as Record<string, unknown>).filter(([key]) => key !== field)),
      );
    }
    const body = {
      count: items.length,
      next: page < pageCount ? link(page + 1) : null,
      previous: page > 1 ? link(page - 1) : null,
      results,
    };
    if (rule?.kind === 'malformed') {
      const text = Buffer.from(JSON.stringify(body));
      const truncated = text.subarray(0, Math.max(1, Math.floor(text.length / 2)));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': truncated.length });
      res.end(truncated);
      return;
    }
    sendJson(res, 200, body);
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { detail: String(error) });
      else res.destroy();
    });
  });

  return catalog;
}
