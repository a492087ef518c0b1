import { and, eq } from 'drizzle-orm';
import {
  type CryptoKey,
  type JWTPayload,
  SignJWT,
  base64url,
  exportSPKI,
  generateKeyPair,
  importJWK,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLms, startFakeLms } from '../../../test/fake-upstream/lms.ts';
import { type TestApp, createTestApp } from '../../../test/helpers/app.ts';
import { auditLog } from '../audit/audit.schema.ts';

const HS_ISSUER = 'https://hs.example.org';
const HS_SECRET = 'a-shared-secret-of-32-characters!!';
const ME = '/api/v2/users/me/';
const NOT_PROVIDED = 'Authentication credentials were not provided.';

const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const encode = (value: unknown) =>
  base64url.encode(typeof value === 'string' ? value : JSON.stringify(value));
const segments = (token: string) => token.split('.') as [string, string, string];

/** The claims the LMS puts in a learner's access token. */
const lmsClaims = (overrides: JWTPayload = {}): JWTPayload => ({
  preferred_username: 'learner',
  email: 'learner@example.com',
  name: 'Lee Learner',
  user_id: 2,
  administrator: false,
  is_restricted: false,
  version: '1.2.0',
  scopes: ['user_id', 'profile', 'email'],
  filters: [],
  ...overrides,
});

/** Complete claims for the HS256 issuer; keys set to undefined are left out of the token. */
const hsClaims = (overrides: Record<string, unknown> = {}): JWTPayload => {
  const claims: Record<string, unknown> = {
    iss: HS_ISSUER,
    aud: 'laurel',
    iat: now(),
    exp: now() + 300,
    preferred_username: 'hs_user',
    email: 'hs_user@example.org',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
};

/** Signs exactly these claims (nothing added) with an HMAC secret. */
const hmacToken = (
  claims: JWTPayload,
  {
    alg = 'HS256',
    secret = HS_SECRET,
    kid,
  }: { alg?: string; secret?: string | Uint8Array; kid?: string } = {},
) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT', ...(kid !== undefined && { kid }) })
    .sign(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret);

/** Flips one character in the middle of the signature, so the decoded bytes surely differ. */
const flipSignature = (token: string) => {
  const [header, payload, signature] = segments(token);
  const at = Math.floor(signature.length / 2);
  const flipped = signature[at] === 'A' ? 'B' : 'A';
  return `${header}.${payload}.${signature.slice(0, at)}${flipped}${signature.slice(at + 1)}`;
};

describe('JWT authentication', () => {
  let lms: FakeLms;
  let t: TestApp;
  /** An RSA key of the test's own, not published by the LMS. */
  let strangerKey: CryptoKey;
  /** The LMS's first public key, as PEM text, for the algorithm-confusion attack. */
  let lmsPublicPem: string;

  const call = (headers: Record<string, string>, url = ME) => t.app.inject({ url, headers });
  const withJwt = (token: string, url = ME) => call({ authorization: `JWT ${token}` }, url);
  const lmsToken = (claims: JWTPayload = {}, options?: Parameters<FakeLms['mintToken']>[1]) =>
    lms.mintToken(lmsClaims(claims), options);

  beforeAll(async () => {
    lms = await startFakeLms();
    t = await createTestApp({
      JWT_ISSUERS: JSON.stringify([
        { issuer: lms.issuer, audience: 'laurel', jwksUri: lms.jwksUri },
        { issuer: HS_ISSUER, audience: 'laurel', secret: HS_SECRET },
      ]),
      JWKS_REFETCH_COOLDOWN_SECONDS: '1',
    });
    strangerKey = (await generateKeyPair('RS256', { extractable: true })).privateKey;
    const jwks = (await (await fetch(lms.jwksUri)).json()) as { keys: Record<string, unknown>[] };
    const [first] = jwks.keys;
    if (!first) throw new Error('the fake LMS published no key');
    lmsPublicPem = await exportSPKI((await importJWK(first, 'RS256', { extractable: true })) as CryptoKey);
  });
  afterAll(async () => {
    await t?.close();
    await lms?.stop();
  });

  describe('refuses forged and broken credentials with a DRF 401', () => {
    interface Case {
      name: string;
      headers: () => Promise<Record<string, string>>;
      detail: RegExp;
    }
    const jwt = (token: () => Promise<string>) => async () => ({ authorization: `JWT ${await token()}` });
    const INVALID = /^Invalid token\.$/;
    const UNKNOWN_ISSUER = /^Invalid token: unknown issuer\.$/;
    const MALFORMED = /^Invalid token: malformed\.$/;
    const BAD_USERNAME = /^Invalid token: preferred_username is missing or malformed\.$/;
    const BAD_HEADER = /^Invalid Authorization header/;

    const cases: Case[] = [
      {
        name: 'an LMS token expired beyond the 30 s leeway',
        headers: jwt(() => lmsToken({}, { expiresIn: now() - 60 })),
        detail: /^Token has expired\.$/,
      },
      {
        name: 'an HS256 token expired beyond the leeway',
        headers: jwt(() => hmacToken(hsClaims({ iat: now() - 600, exp: now() - 45 }))),
        detail: /^Token has expired\.$/,
      },
      {
        name: 'an LMS token whose nbf is beyond the leeway in the future',
        headers: jwt(() => lmsToken({ nbf: now() + 120 })),
        detail: INVALID,
      },
      {
        name: 'a token whose iss is almost the LMS issuer (trailing slash)',
        headers: jwt(() => hmacToken(hsClaims({ iss: `${lms.issuer}/` }))),
        detail: UNKNOWN_ISSUER,
      },
      {
        name: 'a token from an unknown issuer',
        headers: jwt(() => hmacToken(hsClaims({ iss: 'https://evil.example.org' }))),
        detail: UNKNOWN_ISSUER,
      },
      {
        name: 'a token without iss',
        headers: jwt(() => hmacToken(hsClaims({ iss: undefined }))),
        detail: UNKNOWN_ISSUER,
      },
      {
        name: 'a token for another audience',
        headers: jwt(() => hmacToken(hsClaims({ aud: 'someone-else' }))),
        detail: INVALID,
      },
      {
        name: 'a token without aud when the issuer has an audience',
        headers: jwt(() => hmacToken(hsClaims({ aud: undefined }))),
        detail: INVALID,
      },
      {
        name: 'a token without exp',
        headers: jwt(() => hmacToken(hsClaims({ exp: undefined }))),
        detail: INVALID,
      },
      {
        name: 'an LMS token with one character of the signature changed',
        headers: jwt(async () => flipSignature(await lmsToken())),
        detail: INVALID,
      },
      {
        name: 'an HS256 token with one character of the signature changed',
        headers: jwt(async () => flipSignature(await hmacToken(hsClaims()))),
        detail: INVALID,
      },
      {
        name: 'a token signed by another RSA key under the LMS key id',
        headers: jwt(() => lmsToken({}, { key: strangerKey })),
        detail: INVALID,
      },
      {
        name: 'a token signed by another RSA key without a kid',
        headers: jwt(() =>
          new SignJWT(lmsClaims())
            .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
            .setIssuer(lms.issuer)
            .setAudience('laurel')
            .setExpirationTime('5m')
            .sign(strangerKey),
        ),
        detail: INVALID,
      },
      {
        name: 'an LMS-signed token with an empty kid',
        headers: jwt(() => lmsToken({}, { kid: '' })),
        detail: INVALID,
      },
      {
        name: 'an unsigned token (alg none)',
        headers: jwt(async () => {
          const payload = { ...lmsClaims(), iss: lms.issuer, aud: 'laurel', exp: now() + 300 };
          return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
        }),
        detail: INVALID,
      },
      {
        name: "an HS256 token keyed with the LMS's RSA public key (algorithm confusion)",
        headers: jwt(() =>
          hmacToken(
            { ...lmsClaims(), iss: lms.issuer, aud: 'laurel', iat: now(), exp: now() + 300 },
            { secret: lmsPublicPem, kid: 'lms-key-1' },
          ),
        ),
        detail: INVALID,
      },
      {
        name: 'an HS256-issuer token signed with a wrong secret',
        headers: jwt(() => hmacToken(hsClaims(), { secret: 'not-the-shared-secret-0123456789!!' })),
        detail: INVALID,
      },
      {
        name: 'an HS256-issuer token using HS512',
        headers: jwt(() => hmacToken(hsClaims(), { alg: 'HS512' })),
        detail: INVALID,
      },
      {
        name: 'an RS256 token claiming the HS256 issuer',
        headers: jwt(() =>
          new SignJWT(hsClaims()).setProtectedHeader({ alg: 'RS256', kid: 'lms-key-1' }).sign(strangerKey),
        ),
        detail: INVALID,
      },
      {
        name: 'an LMS-signed token naming a kid the LMS does not publish',
        headers: jwt(() => lmsToken({}, { kid: 'no-such-key' })),
        detail: INVALID,
      },
      {
        name: 'an LMS token without preferred_username',
        headers: jwt(() => lmsToken({ preferred_username: undefined })),
        detail: BAD_USERNAME,
      },
      {
        name: 'a preferred_username with spaces',
        headers: jwt(() => lmsToken({ preferred_username: 'lee learner' })),
        detail: BAD_USERNAME,
      },
      {
        name: 'a preferred_username with markup',
        headers: jwt(() => lmsToken({ preferred_username: '<script>alert(1)</script>' })),
        detail: BAD_USERNAME,
      },
      {
        name: 'a preferred_username of 200 characters',
        headers: jwt(() => lmsToken({ preferred_username: 'a'.repeat(200) })),
        detail: BAD_USERNAME,
      },
      {
        name: 'a preferred_username that is a number',
        headers: jwt(() => lmsToken({ preferred_username: 42 })),
        detail: BAD_USERNAME,
      },
      {
        name: 'an empty preferred_username',
        headers: jwt(() => hmacToken(hsClaims({ preferred_username: '' }))),
        detail: BAD_USERNAME,
      },
      {
        name: 'a token of a restricted application',
        headers: jwt(() => lmsToken({ is_restricted: true })),
        detail: /^Tokens of restricted applications are not accepted\.$/,
      },
      {
        name: 'a header segment that is not JSON',
        headers: jwt(async () => {
          const [, payload, signature] = segments(await lmsToken());
          return `${encode('not json')}.${payload}.${signature}`;
        }),
        detail: MALFORMED,
      },
      {
        name: 'a payload segment that is not base64url',
        headers: jwt(async () => {
          const [header, , signature] = segments(await lmsToken());
          return `${header}.x.${signature}`;
        }),
        detail: MALFORMED,
      },
      {
        name: 'a payload that is not JSON',
        headers: jwt(async () => {
          const [header, , signature] = segments(await lmsToken());
          return `${header}.${encode('{"iss":')}.${signature}`;
        }),
        detail: MALFORMED,
      },
      {
        name: 'a token of only two segments',
        headers: jwt(async () =>
          segments(await lmsToken())
            .slice(0, 2)
            .join('.'),
        ),
        detail: MALFORMED,
      },
      {
        name: 'a token of five segments (JWE-like)',
        headers: jwt(async () => {
          const header = encode({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'lms-key-1' });
          return [header, encode('key'), encode('iv'), encode('ciphertext'), encode('tag')].join('.');
        }),
        detail: MALFORMED,
      },
      {
        name: 'a validly signed LMS token longer than 8192 characters',
        headers: jwt(() => lmsToken({ padding: 'x'.repeat(9000) })),
        detail: /^Invalid token: too long\.$/,
      },
      {
        name: 'an empty token after the scheme',
        headers: async () => ({ authorization: 'JWT    ' }),
        detail: BAD_HEADER,
      },
      {
        name: 'the JWT scheme with no token',
        headers: async () => ({ authorization: 'JWT' }),
        detail: BAD_HEADER,
      },
      {
        name: 'an empty Authorization header',
        headers: async () => ({ authorization: '' }),
        detail: BAD_HEADER,
      },
      {
        name: 'Basic credentials',
        headers: async () => ({ authorization: 'Basic abc' }),
        detail: BAD_HEADER,
      },
      {
        name: 'a valid token under an unknown scheme',
        headers: async () => ({ authorization: `Token ${await lmsToken()}` }),
        detail: BAD_HEADER,
      },
      {
        name: 'a token with characters outside base64url',
        headers: async () => ({ authorization: `JWT ${await lmsToken()}!` }),
        detail: BAD_HEADER,
      },
      {
        name: 'two tokens in one header',
        headers: async () => ({ authorization: `JWT ${await lmsToken()} ${await lmsToken()}` }),
        detail: BAD_HEADER,
      },
      {
        name: 'the Bearer scheme with a broken token',
        headers: async () => ({ authorization: 'Bearer abc.def.ghi' }),
        detail: MALFORMED,
      },
      {
        name: 'the Bearer scheme with a tampered token',
        headers: async () => ({ authorization: `Bearer ${flipSignature(await lmsToken())}` }),
        detail: INVALID,
      },
    ];

    it('has a broad table of cases', () => {
      expect(cases.length).toBeGreaterThanOrEqual(25);
      expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    });

    it.each(cases)('refuses $name', async ({ headers, detail }) => {
      const response = await call(await headers());
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^JWT realm="api"$/);
      const body = response.json();
      expect(body).toEqual({ detail: expect.any(String) });
      expect(body.detail).toMatch(detail);
    });
  });

  describe('accepts valid tokens', () => {
    it('takes an LMS token after the JWT scheme', async () => {
      const response = await withJwt(await lmsToken());
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ username: 'learner', authenticated_by: 'jwt' });
    });

    it('takes an LMS token after the Bearer scheme', async () => {
      const response = await call({ authorization: `Bearer ${await lmsToken()}` });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ username: 'learner', authenticated_by: 'jwt' });
    });

    it('takes a token of the HS256 issuer', async () => {
      const response = await withJwt(await hmacToken(hsClaims()));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ username: 'hs_user', authenticated_by: 'jwt' });
    });

    it('takes a token that expired within the leeway (10 s ago)', async () => {
      const response = await withJwt(await lmsToken({}, { expiresIn: now() - 10 }));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ username: 'learner' });
    });

    it('takes a token whose nbf is within the leeway', async () => {
      const response = await withJwt(await hmacToken(hsClaims({ nbf: now() + 10 })));
      expect(response.statusCode).toBe(200);
    });

    it('takes the Unicode usernames Open edX allows (the fake LMS seeds Ana.Gómez)', async () => {
      const token = await lmsToken({
        preferred_username: 'Ana.Gómez',
        email: 'ana@example.com',
        name: 'Ana Gómez',
        user_id: 3,
      });
      const response = await withJwt(token);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ username: 'Ana.Gómez' });
    });
  });

  it('fetches the key set once more for an unknown kid, then holds off for the cooldown', async () => {
    await sleep(1100);
    const before = lms.counts.jwks;
    const first = await withJwt(await lmsToken({}, { kid: 'still-unknown' }));
    expect(first.statusCode).toBe(401);
    expect(lms.counts.jwks).toBe(before + 1);
    const second = await withJwt(await lmsToken({}, { kid: 'still-unknown' }));
    expect(second.statusCode).toBe(401);
    expect(lms.counts.jwks).toBe(before + 1);
  });

  describe('the Open edX JWT cookie pair', () => {
    const cookiesOf = (token: string) => {
      const [header, payload, signature] = segments(token);
      return {
        'edx-jwt-cookie-header-payload': `${header}.${payload}`,
        'edx-jwt-cookie-signature': signature,
      };
    };

    it('authenticates a GET', async () => {
      const response = await t.app.inject({ url: ME, cookies: cookiesOf(await lmsToken()) });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ username: 'learner', authenticated_by: 'jwt-cookie' });
    });

    it('treats an invalid pair as anonymous', async () => {
      const cookies = cookiesOf(flipSignature(await lmsToken()));
      const me = await t.app.inject({ url: ME, cookies });
      expect(me.statusCode).toBe(401);
      expect(me.json()).toEqual({ detail: NOT_PROVIDED });
      expect(me.headers['www-authenticate']).toMatch(/^JWT /);
      // Anonymous, not refused: a public page still answers.
      const site = await t.app.inject({ url: '/api/v2/site/', cookies });
      expect(site.statusCode).toBe(200);
    });

    it('treats an expired pair as anonymous', async () => {
      const cookies = cookiesOf(await lmsToken({}, { expiresIn: now() - 3600 }));
      const me = await t.app.inject({ url: ME, cookies });
      expect(me.statusCode).toBe(401);
      expect(me.json()).toEqual({ detail: NOT_PROVIDED });
    });

    it('ignores half a pair', async () => {
      const { 'edx-jwt-cookie-header-payload': headerPayload } = cookiesOf(await lmsToken());
      const me = await t.app.inject({
        url: ME,
        cookies: { 'edx-jwt-cookie-header-payload': headerPayload },
      });
      expect(me.statusCode).toBe(401);
      expect(me.json()).toEqual({ detail: NOT_PROVIDED });
    });
  });

  describe('user data copied from the claims', () => {
    const userUpdates = async () =>
      (
        await t.database.db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.action, 'user.updated'), eq(auditLog.targetType, 'user')))
      ).length;
    const profile = async (username: string, token: string) => {
      const response = await withJwt(token, `/api/v2/users/${encodeURIComponent(username)}/`);
      expect(response.statusCode).toBe(200);
      return response.json();
    };
    const syncToken = (email: string, extra: JWTPayload = {}) =>
      lmsToken({ preferred_username: 'sync_user', email, name: 'Sync User', user_id: 77, ...extra });

    it('creates the user on the first request, with email, name and LMS user id', async () => {
      const token = await syncToken('sync@example.com');
      expect(await profile('sync_user', token)).toEqual({
        username: 'sync_user',
        email: 'sync@example.com',
        full_name: 'Sync User',
        lms_user_id: 77,
        is_active: true,
      });
    });

    it('updates the user when a token carries a changed email', async () => {
      const before = await userUpdates();
      const token = await syncToken('sync.new@example.com');
      expect(await profile('sync_user', token)).toMatchObject({ email: 'sync.new@example.com' });
      expect(await userUpdates()).toBe(before + 1);
    });

    it('writes nothing for a repeated identical token', async () => {
      const token = await syncToken('sync.new@example.com');
      await profile('sync_user', token);
      const before = await userUpdates();
      await profile('sync_user', token);
      await profile('sync_user', await syncToken('sync.new@example.com'));
      expect(await userUpdates()).toBe(before);
    });

    it('writes back a value the user had earlier (A, then B, then A again)', async () => {
      await profile('sync_user', await syncToken('sync@example.com'));
      await profile('sync_user', await syncToken('sync.other@example.com'));
      expect(
        await profile('sync_user', await syncToken('sync@example.com')),
        'claims seen before must not be answered from a stale cache',
      ).toMatchObject({ email: 'sync@example.com' });
    });

    it('maps usernames case-insensitively onto the same user', async () => {
      const lower = await lmsToken({ preferred_username: 'case_user', email: 'case@example.com' });
      const upper = await lmsToken({ preferred_username: 'CASE_USER', email: 'case@example.com' });
      const first = await withJwt(lower);
      const second = await withJwt(upper);
      expect(first.statusCode).toBe(200);
      expect(second.statusCode).toBe(200);
      expect(second.json()).toMatchObject({ username: 'case_user' });
      expect(await profile('CASE_USER', upper)).toMatchObject({ username: 'case_user' });
    });
  });

  describe('the administrator claim', () => {
    const edx = (administrator: boolean) =>
      lmsToken({
        preferred_username: 'edx',
        email: 'edx@example.com',
        name: 'Edx Admin',
        user_id: 1,
        administrator,
      });

    it('gives the admin role for that token only', async () => {
      const admin = await withJwt(await edx(true));
      expect(admin.statusCode).toBe(200);
      expect(admin.json().roles).toContain('admin');
      expect(admin.json().permissions).toContain('audit:read');

      const plain = await withJwt(await edx(false));
      expect(plain.statusCode).toBe(200);
      expect(plain.json().username).toBe('edx');
      expect(plain.json().roles).not.toContain('admin');
      expect(plain.json().permissions).not.toContain('audit:read');
    });

    it('lets an admin token read the audit log and refuses a non-admin one with 403', async () => {
      const refused = await withJwt(await lmsToken(), '/api/v2/audit/');
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toEqual({ detail: expect.any(String) });

      const allowed = await withJwt(await edx(true), '/api/v2/audit/');
      expect(allowed.statusCode).toBe(200);
      const body = allowed.json();
      expect(Object.keys(body).sort()).toEqual(['count', 'next', 'previous', 'results']);
      expect(body.count).toEqual(expect.any(Number));
      expect(Array.isArray(body.results)).toBe(true);
    });

    it('is ignored unless it is exactly true', async () => {
      const response = await withJwt(await lmsToken({ administrator: 'true' }));
      expect(response.statusCode).toBe(200);
      expect(response.json().roles).not.toContain('admin');
    });
  });

  // Last: rotation changes the key later minted tokens use.
  it('follows a key rotation with exactly one key set fetch', async () => {
    const before = await withJwt(await lmsToken());
    expect(before.statusCode).toBe(200);
    const fetches = lms.counts.jwks;

    const kid = await lms.rotateKeys();
    expect(kid).not.toBe('lms-key-1');
    await sleep(1100);
    const rotated = await withJwt(await lmsToken());
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json()).toMatchObject({ username: 'learner' });
    expect(lms.counts.jwks).toBe(fetches + 1);

    const again = await withJwt(await lmsToken({ email: 'learner+again@example.com' }));
    expect(again.statusCode).toBe(200);
    expect(lms.counts.jwks).toBe(fetches + 1);

    // The new key under the old key's id does not verify: the kid picks the key.
    const mislabelled = await withJwt(await lmsToken({}, { kid: 'lms-key-1' }));
    expect(mislabelled.statusCode).toBe(401);
    expect(lms.counts.jwks).toBe(fetches + 1);
  });
});
