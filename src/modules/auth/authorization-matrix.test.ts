/**
 * Every documented route × every kind of caller × owner / non-owner, with the status each must get.
 * A documented route without a row here fails the coverage test, so new routes must declare who may
 * call them.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, createTestApp } from '../../../test/helpers/app.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';
import { BUILT_IN_ROLES, PERMISSIONS } from '../users/permissions.ts';

const ISSUER = 'https://lms.example.org/oauth2';
const AUDIENCE = 'laurel';
const SECRET = 'matrix-test-shared-secret-0123456789abcdef';

const NOT_AUTHENTICATED = 'Authentication credentials were not provided.';
const FORBIDDEN = 'You do not have permission to perform this action.';

const CALLERS = [
  'anonymous',
  'alice',
  'bob',
  'staff',
  'support',
  'issuer',
  'lms_worker',
  'replacer',
  'status_reader',
] as const;
type Caller = (typeof CALLERS)[number];
type SignedIn = Exclude<Caller, 'anonymous'>;

/** The username each signed-in caller's token carries; `staff` is an admin only through its claim. */
const USERNAMES: Record<SignedIn, string> = {
  alice: 'alice',
  bob: 'bob',
  staff: 'sam_staff',
  support: 'sue_support',
  issuer: 'ivan_issuer',
  lms_worker: 'lms_worker',
  replacer: 'replacer',
  status_reader: 'status_reader',
};

type Statuses = Record<Caller, number>;

/** 200 for everyone, signed in or not. */
const everyone = (): Statuses => Object.fromEntries(CALLERS.map((c) => [c, 200])) as Statuses;

/** 401 for anonymous; `allowed` callers get `status`, the other signed-in callers 403. */
function permit(allowed: readonly SignedIn[], status = 200): Statuses {
  return Object.fromEntries(
    CALLERS.map((c) => [
      c,
      c === 'anonymous' ? 401 : (allowed as readonly Caller[]).includes(c) ? status : 403,
    ]),
  ) as Statuses;
}

const ALL_SIGNED_IN = CALLERS.filter((c): c is SignedIn => c !== 'anonymous');

interface Row {
  /** The route as the OpenAPI document names it: `METHOD /path/{param}/`. */
  route: string;
  /** What this row is about, when a route has several rows (owner, other user, unknown user…). */
  note: string;
  url: string;
  body?: Record<string, unknown>;
  expected: Statuses;
  /** Extra checks of a 200 answer. */
  check?: (body: Record<string, unknown>, caller: Caller) => void;
}

const isUser = (username: string) => (body: Record<string, unknown>) =>
  expect(body).toMatchObject({ username, is_active: true });

const MATRIX: Row[] = [
  {
    route: 'GET /health/',
    note: 'operational, siteless',
    url: '/health/',
    expected: everyone(),
    check: (body) => expect(body).toMatchObject({ overall_status: 'OK' }),
  },
  {
    route: 'GET /api/v2/site/',
    note: 'public settings',
    url: '/api/v2/site/',
    expected: everyone(),
    check: (body) => expect(body).toMatchObject({ domain: 'localhost' }),
  },
  {
    route: 'GET /csrf/api/v1/token',
    note: 'anyone may get a CSRF token',
    url: '/csrf/api/v1/token',
    expected: everyone(),
    check: (body) => expect(body).toEqual({ csrfToken: expect.stringMatching(/^[\w-]{20,}$/) }),
  },
  {
    route: 'GET /api/v2/users/me/',
    note: 'any signed-in caller',
    url: '/api/v2/users/me/',
    expected: permit(ALL_SIGNED_IN),
    check: (body, caller) =>
      expect(body).toMatchObject({ username: USERNAMES[caller as SignedIn], authenticated_by: 'jwt' }),
  },
  {
    route: 'GET /api/v2/users/{username}/',
    note: "alice's own record",
    url: '/api/v2/users/alice/',
    expected: permit(['alice', 'staff', 'support']),
    check: isUser('alice'),
  },
  {
    route: 'GET /api/v2/users/{username}/',
    note: 'ownership ignores case',
    url: '/api/v2/users/ALICE/',
    expected: permit(['alice', 'staff', 'support']),
    check: isUser('alice'),
  },
  {
    route: 'GET /api/v2/users/{username}/',
    note: "bob's record",
    url: '/api/v2/users/bob/',
    expected: permit(['bob', 'staff', 'support']),
    check: isUser('bob'),
  },
  {
    route: 'GET /api/v2/users/{username}/',
    note: 'a service user record',
    url: '/api/v2/users/lms_worker/',
    expected: permit(['lms_worker', 'staff', 'support']),
    check: isUser('lms_worker'),
  },
  {
    route: 'GET /api/v2/users/{username}/',
    note: 'unknown user: 404 only to those who may read users',
    url: '/api/v2/users/nobody/',
    expected: { ...permit([]), staff: 404, support: 404 },
  },
  {
    route: 'GET /api/v2/users/{username}/roles/',
    note: "alice's own roles",
    url: '/api/v2/users/alice/roles/',
    expected: permit(['alice', 'staff', 'support']),
    check: (body) => expect(body).toEqual({ roles: [] }),
  },
  {
    route: 'GET /api/v2/users/{username}/roles/',
    note: 'ownership ignores case',
    url: '/api/v2/users/Alice/roles/',
    expected: permit(['alice', 'staff', 'support']),
    check: (body) => expect(body).toEqual({ roles: [] }),
  },
  {
    route: 'GET /api/v2/users/{username}/roles/',
    note: "the support holder's roles",
    url: '/api/v2/users/sue_support/roles/',
    expected: permit(['staff', 'support']),
    check: (body) => expect(body).toEqual({ roles: ['support'] }),
  },
  {
    route: 'GET /api/v2/users/{username}/roles/',
    note: 'configured service roles are reported',
    url: '/api/v2/users/lms_worker/roles/',
    expected: permit(['lms_worker', 'staff', 'support']),
    check: (body) => expect(body).toEqual({ roles: ['issuer'] }),
  },
  {
    route: 'GET /api/v2/users/{username}/roles/',
    note: 'unknown user: 404 only to those who may read users',
    url: '/api/v2/users/nobody/roles/',
    expected: { ...permit([]), staff: 404, support: 404 },
  },
  {
    route: 'PUT /api/v2/users/{username}/roles/',
    note: "another user's roles",
    url: '/api/v2/users/carol/roles/',
    body: { roles: ['support'] },
    expected: permit(['staff']),
    check: (body) => expect(body).toEqual({ roles: ['support'] }),
  },
  {
    route: 'PUT /api/v2/users/{username}/roles/',
    note: 'own roles: owning the user grants no write',
    url: '/api/v2/users/alice/roles/',
    body: { roles: [] },
    expected: permit(['staff']),
    check: (body) => expect(body).toEqual({ roles: [] }),
  },
  {
    route: 'PUT /api/v2/users/{username}/roles/',
    note: 'unknown user',
    url: '/api/v2/users/nobody/roles/',
    body: { roles: ['support'] },
    expected: permit(['staff'], 404),
  },
  {
    route: 'GET /api/v2/audit/',
    note: 'audit:read',
    url: '/api/v2/audit/',
    expected: permit(['staff', 'support']),
    check: (body) => expect(body).toMatchObject({ count: expect.any(Number), results: expect.any(Array) }),
  },
  {
    route: 'GET /api/v2/sites/current/',
    note: 'config:read',
    url: '/api/v2/sites/current/',
    expected: permit(['staff', 'support']),
    check: (body) => expect(body).toMatchObject({ domain: 'localhost', oauth_client_secret_set: false }),
  },
  {
    route: 'PATCH /api/v2/sites/current/',
    note: 'sites:write',
    url: '/api/v2/sites/current/',
    body: { platform_name: 'Matrix Academy' },
    expected: permit(['staff']),
    check: (body) => expect(body).toMatchObject({ platform_name: 'Matrix Academy' }),
  },
  ...(['organizations', 'courses', 'course_runs', 'programs', 'pathways'] as const).map((list): Row => ({
    route: `GET /api/v2/catalog/${list}/`,
    note: 'catalog:read',
    url: `/api/v2/catalog/${list}/`,
    expected: permit(['staff', 'support', 'issuer', 'lms_worker']),
    check: (body) => expect(body).toEqual({ count: 0, next: null, previous: null, results: [] }),
  })),
  {
    route: 'GET /api/v2/credentials/',
    note: 'credentials:read (learners only with ?username= of their own)',
    url: '/api/v2/credentials/',
    expected: permit(['staff', 'support', 'issuer', 'lms_worker']),
    check: (body) => expect(body).toEqual({ count: 0, next: null, previous: null, results: [] }),
  },
  {
    route: 'GET /api/v2/credentials/',
    note: "a learner's own list",
    url: '/api/v2/credentials/?username=alice',
    expected: permit(['alice', 'staff', 'support', 'issuer', 'lms_worker']),
    check: (body) => expect(body).toMatchObject({ count: 0 }),
  },
  {
    route: 'POST /api/v2/credentials/',
    note: 'credentials:issue; an empty body is a 400 for those allowed',
    url: '/api/v2/credentials/',
    body: {},
    expected: permit(['staff', 'issuer', 'lms_worker'], 400),
  },
  {
    route: 'POST /api/v2/credentials/bulk/',
    note: 'credentials:issue; an empty body is a 400 for those allowed',
    url: '/api/v2/credentials/bulk/',
    body: {},
    expected: permit(['staff', 'issuer', 'lms_worker'], 400),
  },
  {
    route: 'GET /api/v2/credentials/{uuid}/',
    note: 'unknown credential: 404 to anyone signed in',
    url: '/api/v2/credentials/6a2b58c1-0000-4000-8000-000000000000/',
    expected: permit(ALL_SIGNED_IN, 404),
  },
  ...(['PUT', 'PATCH'] as const).map((method): Row => ({
    route: `${method} /api/v2/credentials/{uuid}/`,
    note: 'credentials:issue; unknown credential',
    url: '/api/v2/credentials/6a2b58c1-0000-4000-8000-000000000000/',
    body: { status: 'awarded' },
    expected: permit(['staff', 'issuer', 'lms_worker'], 404),
  })),
  {
    route: 'DELETE /api/v2/credentials/{uuid}/',
    note: 'credentials:revoke; unknown credential',
    url: '/api/v2/credentials/6a2b58c1-0000-4000-8000-000000000000/',
    expected: permit(['staff', 'issuer', 'lms_worker'], 404),
  },
  {
    route: 'POST /api/v2/grades/',
    note: 'grades:write; an empty body is a 400 for those allowed',
    url: '/api/v2/grades/',
    body: {},
    expected: permit(['staff', 'issuer', 'lms_worker'], 400),
  },
  ...(['PUT', 'PATCH'] as const).map((method): Row => ({
    route: `${method} /api/v2/grades/{id}/`,
    note: 'grades:write; an unknown grade',
    url: '/api/v2/grades/999999/',
    body: { letter_grade: 'A', percent_grade: 0.5, verified: true, lms_last_updated_at: null },
    expected: permit(['staff', 'issuer', 'lms_worker'], 404),
  })),
  {
    route: 'GET /api/v2/course_certificates/',
    note: 'config:read',
    url: '/api/v2/course_certificates/',
    expected: permit(['staff', 'support']),
    check: (body) => expect(body).toMatchObject({ count: 0 }),
  },
  {
    route: 'POST /api/v2/course_certificates/',
    note: 'course-certificates:write; an empty body is a 400 for those allowed',
    url: '/api/v2/course_certificates/',
    body: {},
    expected: permit(['staff', 'issuer', 'lms_worker'], 400),
  },
  {
    route: 'GET /api/v2/course_certificates/{course_id}/',
    note: 'config:read; an unknown run',
    url: '/api/v2/course_certificates/course-v1:No+Such+Run/',
    expected: permit(['staff', 'support'], 404),
  },
  ...(['PUT', 'PATCH'] as const).map((method): Row => ({
    route: `${method} /api/v2/course_certificates/{course_id}/`,
    note: 'course-certificates:write; an unknown run',
    url: '/api/v2/course_certificates/course-v1:No+Such+Run/',
    body: { is_active: true },
    expected: permit(['staff', 'issuer', 'lms_worker'], 404),
  })),
  {
    route: 'DELETE /api/v2/course_certificates/{course_id}/',
    note: 'course-certificates:write; an unknown run',
    url: '/api/v2/course_certificates/course-v1:No+Such+Run/',
    expected: permit(['staff', 'issuer', 'lms_worker'], 404),
  },
  {
    route: 'POST /api/v2/replace_usernames/',
    note: 'users:replace (USERNAME_REPLACEMENT_WORKER); an empty body is a 400 for it',
    url: '/api/v2/replace_usernames/',
    body: {},
    expected: permit(['staff', 'replacer'], 400),
  },
  ...(['learner_cert_status', 'bulk_learner_cert_status'] as const).map((path): Row => ({
    route: `POST /api/credentials/v1/${path}/`,
    note: 'learner-status:read (LEARNER_STATUS_WORKER); an empty body is a 400 for those allowed',
    url: `/api/credentials/v1/${path}/`,
    body: path === 'learner_cert_status' ? {} : ({ not: 'a list' } as Record<string, unknown>),
    expected: permit(['staff', 'support', 'issuer', 'lms_worker', 'status_reader'], 400),
  })),
  ...(['program_certificates', 'signatories'] as const).flatMap((path): Row[] => [
    {
      route: `GET /api/v2/${path}/`,
      note: 'config:read',
      url: `/api/v2/${path}/`,
      expected: permit(['staff', 'support']),
      check: (body) => expect(body).toMatchObject({ count: 0 }),
    },
    {
      route: `POST /api/v2/${path}/`,
      note: 'config:write; an empty body is a 400 for those allowed',
      url: `/api/v2/${path}/`,
      body: {},
      expected: permit(['staff'], 400),
    },
    {
      route: `GET /api/v2/${path}/{uuid}/`,
      note: 'config:read; unknown',
      url: `/api/v2/${path}/6a2b58c1-0000-4000-8000-000000000000/`,
      expected: permit(['staff', 'support'], 404),
    },
    {
      route: `PATCH /api/v2/${path}/{uuid}/`,
      note: 'config:write; unknown',
      url: `/api/v2/${path}/6a2b58c1-0000-4000-8000-000000000000/`,
      body: {},
      expected: permit(['staff'], 404),
    },
    {
      route: `DELETE /api/v2/${path}/{uuid}/`,
      note: 'config:write; unknown',
      url: `/api/v2/${path}/6a2b58c1-0000-4000-8000-000000000000/`,
      expected: permit(['staff'], 404),
    },
  ]),
  {
    route: 'GET /api/v2/templates/',
    note: 'config:read',
    url: '/api/v2/templates/',
    expected: permit(['staff', 'support']),
    check: (body) => expect(body).toMatchObject({ count: 0 }),
  },
  {
    route: 'POST /api/v2/templates/',
    note: 'config:write; an empty body is a 400 for those allowed',
    url: '/api/v2/templates/',
    body: {},
    expected: permit(['staff'], 400),
  },
  {
    route: 'POST /api/v2/templates/preview/',
    note: 'config:read; an unknown kind is a 400 for those allowed',
    url: '/api/v2/templates/preview/',
    body: { kind: 'diploma' },
    expected: permit(['staff', 'support'], 400),
  },
  {
    route: 'GET /api/v2/templates/{uuid}/',
    note: 'config:read; unknown',
    url: '/api/v2/templates/6a2b58c1-0000-4000-8000-000000000000/',
    expected: permit(['staff', 'support'], 404),
  },
  {
    route: 'PATCH /api/v2/templates/{uuid}/',
    note: 'config:write; unknown',
    url: '/api/v2/templates/6a2b58c1-0000-4000-8000-000000000000/',
    body: {},
    expected: permit(['staff'], 404),
  },
  {
    route: 'DELETE /api/v2/templates/{uuid}/',
    note: 'config:write; unknown',
    url: '/api/v2/templates/6a2b58c1-0000-4000-8000-000000000000/',
    expected: permit(['staff'], 404),
  },
  {
    route: 'GET /api/v2/templates/{uuid}/versions/',
    note: 'config:read; unknown',
    url: '/api/v2/templates/6a2b58c1-0000-4000-8000-000000000000/versions/',
    expected: permit(['staff', 'support'], 404),
  },
  {
    route: 'POST /api/v2/templates/{uuid}/versions/{version}/restore/',
    note: 'config:write; unknown',
    url: '/api/v2/templates/6a2b58c1-0000-4000-8000-000000000000/versions/1/restore/',
    expected: permit(['staff'], 404),
  },
  {
    route: 'PATCH /api/v2/catalog/organizations/{uuid}/',
    note: 'config:write; unknown',
    url: '/api/v2/catalog/organizations/6a2b58c1-0000-4000-8000-000000000000/',
    body: { certificate_logo: null },
    expected: permit(['staff'], 404),
  },
  {
    route: 'GET /api/v2/assets/',
    note: 'config:read',
    url: '/api/v2/assets/',
    expected: permit(['staff', 'support']),
    check: (body) => expect(body).toMatchObject({ count: 0 }),
  },
  {
    route: 'POST /api/v2/assets/',
    note: 'config:write; a JSON body is not an image, a 415 for those allowed',
    url: '/api/v2/assets/',
    body: {},
    expected: permit(['staff'], 415),
  },
  {
    route: 'GET /api/v2/assets/{uuid}/',
    note: 'config:read; unknown',
    url: '/api/v2/assets/6a2b58c1-0000-4000-8000-000000000000/',
    expected: permit(['staff', 'support'], 404),
  },
  {
    route: 'DELETE /api/v2/assets/{uuid}/',
    note: 'config:write; unknown',
    url: '/api/v2/assets/6a2b58c1-0000-4000-8000-000000000000/',
    expected: permit(['staff'], 404),
  },
  {
    route: 'GET /api/v2/webhooks/',
    note: 'config:read',
    url: '/api/v2/webhooks/',
    expected: permit(['staff', 'support']),
    check: (body) => expect(body).toMatchObject({ count: 0 }),
  },
  {
    route: 'POST /api/v2/webhooks/',
    note: 'config:write; an empty body is a 400 for those allowed',
    url: '/api/v2/webhooks/',
    body: {},
    expected: permit(['staff'], 400),
  },
  {
    route: 'GET /api/v2/webhooks/{uuid}/',
    note: 'config:read; unknown',
    url: '/api/v2/webhooks/6a2b58c1-0000-4000-8000-000000000000/',
    expected: permit(['staff', 'support'], 404),
  },
  {
    route: 'PATCH /api/v2/webhooks/{uuid}/',
    note: 'config:write; unknown',
    url: '/api/v2/webhooks/6a2b58c1-0000-4000-8000-000000000000/',
    body: {},
    expected: permit(['staff'], 404),
  },
  {
    route: 'DELETE /api/v2/webhooks/{uuid}/',
    note: 'config:write; unknown',
    url: '/api/v2/webhooks/6a2b58c1-0000-4000-8000-000000000000/',
    expected: permit(['staff'], 404),
  },
  {
    route: 'GET /api/v2/webhooks/{uuid}/deliveries/',
    note: 'config:read; unknown',
    url: '/api/v2/webhooks/6a2b58c1-0000-4000-8000-000000000000/deliveries/',
    expected: permit(['staff', 'support'], 404),
  },
  {
    route: 'POST /api/v2/webhooks/deliveries/{uuid}/replay/',
    note: 'config:write; unknown',
    url: '/api/v2/webhooks/deliveries/6a2b58c1-0000-4000-8000-000000000000/replay/',
    expected: permit(['staff'], 404),
  },
  {
    route: 'POST /api/v2/catalog/sync/',
    note: 'catalog:sync; this site has no catalog API URL, so the one allowed caller gets a 400',
    url: '/api/v2/catalog/sync/',
    body: {},
    expected: permit(['staff'], 400),
  },
  {
    route: 'GET /api/v2/catalog/sync/{id}/',
    note: 'catalog:sync; an unknown job',
    url: '/api/v2/catalog/sync/00000000-0000-4000-8000-000000000000/',
    expected: permit(['staff'], 404),
  },
];

/**
 * `METHOD /path/{param}/` for every route in Fastify's route tree (HEAD, added for each GET, left
 * out): the tree prints one path segment per line, four characters deeper per level.
 */
function routerRoutes(tree: string): string[] {
  const prefixes: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([\s│]*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const path = `${depth === 0 ? '' : prefixes[depth - 1]}${match[2]}`;
    prefixes[depth] = path;
    for (const method of (match[3] ?? '').split(', ')) {
      if (method && method !== 'HEAD') routes.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes;
}

describe('authorization matrix', () => {
  let t: TestApp;
  let siteId: number;
  const tokens = {} as Record<SignedIn, string>;

  async function mint(username: string, claims: { administrator?: boolean; userId?: number } = {}) {
    return new SignJWT({
      preferred_username: username,
      email: `${username}@example.org`,
      name: `Test ${username}`,
      user_id: claims.userId ?? 1000,
      administrator: claims.administrator ?? false,
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
  }

  const headersOf = (caller: Caller): Record<string, string> =>
    caller === 'anonymous' ? {} : { authorization: `JWT ${tokens[caller]}` };

  async function call(caller: Caller, method: string, url: string, body?: Record<string, unknown>) {
    return t.app.inject({
      method: method as 'GET',
      url,
      headers: headersOf(caller),
      ...(body !== undefined && { payload: body }),
    });
  }

  /** The refusal bodies are DRF's, word for word. */
  function expectRefusal(response: Awaited<ReturnType<typeof call>>, status: number) {
    expect(response.statusCode).toBe(status);
    if (status === 401) {
      expect(response.json()).toEqual({ detail: NOT_AUTHENTICATED });
      expect(response.headers['www-authenticate']).toBe('JWT realm="api"');
    } else if (status === 403) {
      expect(response.json()).toEqual({ detail: FORBIDDEN });
    } else if (status === 404) {
      expect(response.json()).toEqual({ detail: 'Not found.' });
    }
  }

  beforeAll(async () => {
    t = await createTestApp({
      JWT_ISSUERS: JSON.stringify([{ issuer: ISSUER, audience: AUDIENCE, secret: SECRET }]),
      SERVICE_USERS: JSON.stringify({ lms_worker: ['issuer'] }),
      USERNAME_REPLACEMENT_WORKER: 'replacer',
      LEARNER_STATUS_WORKER: 'status_reader',
    });
    const { sites, users } = t.app.laurel.services;
    siteId = (await sites.getByDomain('localhost')).id;

    for (const [index, caller] of ALL_SIGNED_IN.entries()) {
      tokens[caller] = await mint(USERNAMES[caller], {
        administrator: caller === 'staff',
        userId: 1000 + index,
      });
      // The first authenticated request creates the user.
      const me = await call(caller, 'GET', '/api/v2/users/me/');
      expect(me.statusCode).toBe(200);
    }
    await users.setSiteRoles(USERNAMES.support, siteId, ['support'], CLI_ACTOR);
    await users.setSiteRoles(USERNAMES.issuer, siteId, ['issuer'], CLI_ACTOR);
    await users.syncFromClaims({ username: 'carol', email: 'carol@example.org' }, CLI_ACTOR);
  });
  afterAll(() => t?.close());

  it('has a row for every documented route, and no row for a route that does not exist', async () => {
    const response = await t.app.inject({ url: '/api/schema/' });
    expect(response.statusCode).toBe(200);
    const paths = response.json().paths as Record<string, Record<string, unknown>>;
    const documented = Object.entries(paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(new Set(MATRIX.map((row) => row.route))).toEqual(new Set(documented));
  });

  it('has a row for every API route the router knows, documented or hidden', () => {
    const apiRoutes = routerRoutes(t.app.printRoutes({ commonPrefix: false })).filter(
      (route) => route.includes('/api/') && !/ \/api\/(docs|schema)\b/.test(route),
    );
    expect(apiRoutes.length).toBeGreaterThan(5);
    expect(new Set(apiRoutes)).toEqual(
      new Set(MATRIX.map((row) => row.route).filter((route) => route.includes('/api/'))),
    );
  });

  const cases = MATRIX.flatMap((row) =>
    CALLERS.map((caller) => ({ ...row, caller, status: row.expected[caller] })),
  );

  it.each(cases)(
    '$route ($note) as $caller → $status',
    async ({ route, url, body, caller, status, check }) => {
      const method = route.split(' ')[0] ?? 'GET';
      const response = await call(caller, method, url, body);
      expectRefusal(response, status);
      if (status === 200) check?.(response.json(), caller);
    },
  );

  describe('effective permissions reported by /api/v2/users/me/', () => {
    const sorted = (permissions: readonly string[]) => [...permissions].sort();
    const expected: Record<SignedIn, { roles: string[]; permissions: string[] }> = {
      alice: { roles: [], permissions: [] },
      bob: { roles: [], permissions: [] },
      staff: { roles: ['admin'], permissions: sorted(PERMISSIONS) },
      support: { roles: ['support'], permissions: sorted(BUILT_IN_ROLES.support.permissions) },
      issuer: { roles: ['issuer'], permissions: sorted(BUILT_IN_ROLES.issuer.permissions) },
      lms_worker: { roles: ['issuer'], permissions: sorted(BUILT_IN_ROLES.issuer.permissions) },
      replacer: { roles: [], permissions: ['users:replace'] },
      status_reader: { roles: [], permissions: ['learner-status:read'] },
    };

    it.each(ALL_SIGNED_IN)('%s', async (caller) => {
      const response = await call(caller, 'GET', '/api/v2/users/me/');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        username: USERNAMES[caller],
        authenticated_by: 'jwt',
        ...expected[caller],
      });
    });

    it('gives the admin role only to a token carrying the administrator claim', async () => {
      const plain = await mint(USERNAMES.staff, { userId: 1002 });
      const headers = { authorization: `JWT ${plain}` };
      const me = await t.app.inject({ url: '/api/v2/users/me/', headers });
      expect(me.json()).toMatchObject({ roles: [], permissions: [] });
      const audit = await t.app.inject({ url: '/api/v2/audit/', headers });
      expectRefusal(audit, 403);
    });

    it('recognises configured service users whatever the case of the token username', async () => {
      const token = await mint('LMS_Worker', { userId: 1005 });
      const response = await t.app.inject({
        url: '/api/v2/users/me/',
        headers: { authorization: `JWT ${token}` },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        roles: ['issuer'],
        permissions: sorted(BUILT_IN_ROLES.issuer.permissions),
      });
    });
  });

  describe('role changes', () => {
    const rolesOf = async (username: string) =>
      (await call('staff', 'GET', `/api/v2/users/${username}/roles/`)).json();

    it('refuses an unknown role name with a field error and changes nothing', async () => {
      await t.app.laurel.services.users.setSiteRoles('carol', siteId, ['support'], CLI_ACTOR);
      const response = await call('staff', 'PUT', '/api/v2/users/carol/roles/', {
        roles: ['issuer', 'no-such-role'],
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ roles: [expect.stringContaining('no-such-role')] });
      expect(await rolesOf('carol')).toEqual({ roles: ['support'] });
    });

    it('takes effect on the next request of the user whose roles changed', async () => {
      const granted = await call('staff', 'PUT', '/api/v2/users/bob/roles/', { roles: ['support'] });
      expect(granted.statusCode).toBe(200);
      expect((await call('bob', 'GET', '/api/v2/audit/')).statusCode).toBe(200);
      const revoked = await call('staff', 'PUT', '/api/v2/users/bob/roles/', { roles: [] });
      expect(revoked.json()).toEqual({ roles: [] });
      expectRefusal(await call('bob', 'GET', '/api/v2/audit/'), 403);
    });

    it.each(['alice', 'support', 'issuer', 'lms_worker'] as const)(
      'does not let %s grant themself admin',
      async (caller) => {
        const username = USERNAMES[caller];
        const before = await rolesOf(username);
        const response = await call(caller, 'PUT', `/api/v2/users/${username}/roles/`, { roles: ['admin'] });
        expectRefusal(response, 403);
        expect(await rolesOf(username)).toEqual(before);
        expect((await call(caller, 'GET', '/api/v2/users/me/')).json().roles).not.toContain('admin');
      },
    );
  });

  describe('site settings changes', () => {
    const settings = async () => (await call('staff', 'GET', '/api/v2/sites/current/')).json();

    it.each([
      ['an invalid URL', { lms_url: 'not a url' }, 'lms_url'],
      ['an invalid URL next to a valid change', { platform_name: 'Half', lms_url: 'not a url' }, 'lms_url'],
      ['an unknown field', { colour: 'red' }, 'colour'],
      ['the domain, which only the CLI changes', { domain: 'evil.example.org' }, 'domain'],
      ['a wrongly typed value', { records_enabled: 'maybe' }, 'records_enabled'],
    ])('refuses %s with 400 and changes nothing', async (_what, body, field) => {
      const before = await settings();
      const response = await call('staff', 'PATCH', '/api/v2/sites/current/', body);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ [field]: [expect.any(String)] });
      expect(await settings()).toEqual(before);
    });
  });

  describe('authorization comes before validation', () => {
    // As in Django REST Framework: a caller who may not use a route learns nothing from its input
    // checks, and an anonymous caller is told to authenticate, whatever the body.
    const invalid: [string, string, Record<string, unknown> | undefined][] = [
      ['GET', '/api/v2/audit/?page=0', undefined],
      ['PATCH', '/api/v2/sites/current/', { colour: 'red' }],
      ['PATCH', '/api/v2/sites/current/', { lms_url: 'not a url' }],
      ['PUT', '/api/v2/users/carol/roles/', { roles: 'admin' }],
      ['PUT', '/api/v2/users/carol/roles/', { roles: ['no-such-role'] }],
      ['PUT', '/api/v2/users/carol/roles/', { roles: ['support'], expires: 'never' }],
    ];
    const cases = invalid.flatMap(([method, url, body]) =>
      (['anonymous', 'alice', url.includes('audit') ? 'issuer' : 'support', 'lms_worker'] as const).map(
        (caller) => ({
          method,
          url,
          body,
          caller,
          status: caller === 'anonymous' ? 401 : 403,
        }),
      ),
    );

    it.each(cases)(
      '$method $url $body as $caller → $status',
      async ({ method, url, body, caller, status }) => {
        expectRefusal(await call(caller, method, url, body), status);
      },
    );
  });
});
