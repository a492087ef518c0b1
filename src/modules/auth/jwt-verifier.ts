import {
  type JWTPayload,
  type JWTVerifyGetKey,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
} from 'jose';
import { LRUCache } from 'lru-cache';
import type { JwtIssuer } from '../../config.ts';
import { AuthenticationError, ServiceUnavailableError } from '../../platform/errors.ts';
import { isValidUsername } from '../users/usernames.ts';

/** What Laurel takes from a verified token. */
export interface JwtIdentity {
  username: string;
  email?: string;
  fullName?: string;
  lmsUserId?: number;
  administrator: boolean;
  issuer: string;
}

export interface JwtVerifierOptions {
  issuers: JwtIssuer[];
  leewaySeconds: number;
  jwksCacheSeconds: number;
  jwksRefetchCooldownSeconds: number;
}

export type JwtVerifier = (token: string) => Promise<JwtIdentity>;

/** Verified tokens remembered, and for how long at most. */
const VERIFIED_CACHE_ENTRIES = 10_000;
const VERIFIED_CACHE_SECONDS = 300;
/** Longer than any token an LMS issues; refusing early keeps parsing cheap. */
const MAX_TOKEN_LENGTH = 8192;
/** Algorithms accepted for keys from a key set; HMAC never, so a public key cannot be used as a secret. */
const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'EdDSA',
];

const invalid = (message = 'Invalid token.') => new AuthenticationError(message);

interface IssuerKey {
  issuer: JwtIssuer;
  key: Uint8Array | JWTVerifyGetKey;
  algorithms: string[];
}

function identityFrom(payload: JWTPayload, issuer: string): JwtIdentity {
  const username = payload.preferred_username;
  if (!isValidUsername(username)) {
    throw invalid('Invalid token: preferred_username is missing or malformed.');
  }
  if (payload.is_restricted === true) throw invalid('Tokens of restricted applications are not accepted.');
  const text = (value: unknown, max: number) =>
    typeof value === 'string' && value.length <= max ? value : undefined;
  const userId = payload.user_id;
  return {
    username,
    email: text(payload.email, 254),
    fullName: text(payload.name, 255),
    lmsUserId: typeof userId === 'number' && Number.isSafeInteger(userId) && userId > 0 ? userId : undefined,
    administrator: payload.administrator === true,
    issuer,
  };
}

/**
 * Verifies JWTs from the configured issuers: signature with the issuer's secret (HS256) or its
 * published keys (fetched, cached, and fetched again once when a token names an unknown key), `exp`
 * (required) and `nbf` with a small leeway, `iss`, and `aud` when configured. Anything wrong is a 401.
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const verify = createUncachedVerifier(options);
  // A service calls with the same token for its lifetime: its signature is checked once, then the
  // verified identity is reused until the token expires (never longer than VERIFIED_CACHE_SECONDS).
  const verified = new LRUCache<string, JwtIdentity>({ max: VERIFIED_CACHE_ENTRIES, ttlAutopurge: false });
  return async (token) => {
    const hit = verified.get(token);
    if (hit) return hit;
    const identity = await verify(token);
    const expiresIn = Number(decodeJwt(token).exp) * 1000 - Date.now();
    const ttl = Math.min(expiresIn, VERIFIED_CACHE_SECONDS * 1000);
    if (ttl > 0) verified.set(token, identity, { ttl });
    return identity;
  };
}

function createUncachedVerifier(options: JwtVerifierOptions): JwtVerifier {
  const keys: IssuerKey[] = options.issuers.map((issuer) =>
    issuer.secret
      ? { issuer, key: new TextEncoder().encode(issuer.secret), algorithms: ['HS256'] }
      : {
          issuer,
          key: createRemoteJWKSet(new URL(issuer.jwksUri ?? ''), {
            cacheMaxAge: options.jwksCacheSeconds * 1000,
            cooldownDuration: options.jwksRefetchCooldownSeconds * 1000,
            timeoutDuration: 5000,
          }),
          algorithms: ASYMMETRIC_ALGORITHMS,
        },
  );

  return async (token) => {
    if (token.length > MAX_TOKEN_LENGTH) throw invalid('Invalid token: too long.');
    let claimedIssuer: unknown;
    try {
      decodeProtectedHeader(token);
      claimedIssuer = decodeJwt(token).iss;
    } catch {
      throw invalid('Invalid token: malformed.');
    }
    const candidates = keys.filter((entry) => entry.issuer.issuer === claimedIssuer);
    if (candidates.length === 0) throw invalid('Invalid token: unknown issuer.');

    let lastError: unknown;
    for (const candidate of candidates) {
      try {
        const { payload } = await jwtVerify(token, candidate.key as JWTVerifyGetKey, {
          algorithms: candidate.algorithms,
          issuer: candidate.issuer.issuer,
          audience: candidate.issuer.audience,
          clockTolerance: options.leewaySeconds,
          requiredClaims: ['exp'],
        });
        return identityFrom(payload, candidate.issuer.issuer);
      } catch (error) {
        if (error instanceof AuthenticationError) throw error;
        lastError = error;
      }
    }
    if (lastError instanceof errors.JWTExpired) throw invalid('Token has expired.');
    // The issuer's key set could not be fetched: the token may be fine, so not a 401.
    if (
      lastError instanceof errors.JWKSTimeout ||
      (lastError instanceof TypeError && lastError.message === 'fetch failed')
    ) {
      throw new ServiceUnavailableError(
        "The token cannot be checked now: the issuer's keys are unavailable.",
      );
    }
    throw invalid();
  };
}
