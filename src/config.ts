/**
 * Every setting Laurel reads, declared once: its environment variable, type, default and meaning.
 * Values come from the environment, or from a YAML/JSON file named by LAUREL_CONFIG (the environment wins).
 * `docs/configuration.md` lists the same settings; a test keeps the two in step.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';

type Kind = 'string' | 'url' | 'integer' | 'boolean' | 'json' | 'enum';

interface SettingSpec<T> {
  env: string;
  kind: Kind;
  description: string;
  default?: T;
  secret?: boolean;
  /** Extra checks beyond the kind; returns a message when the value is wrong. */
  check?: (value: T) => string | undefined;
  values?: readonly string[];
  min?: number;
  max?: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface JwtIssuer {
  issuer: string;
  audience?: string;
  secret?: string;
  jwksUri?: string;
}

function checkJwtIssuers(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'must be a JSON array of {issuer, audience?, secret?, jwksUri?}';
  for (const [index, entry] of value.entries()) {
    const where = `entry ${index}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      return `${where} must be an object`;
    const { issuer, audience, secret, jwksUri, ...rest } = entry as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) return `${where} has unknown keys: ${unknown.join(', ')}`;
    if (typeof issuer !== 'string' || issuer === '') return `${where} needs a non-empty "issuer"`;
    if (audience !== undefined && typeof audience !== 'string')
      return `${where}: "audience" must be a string`;
    if ((secret === undefined) === (jwksUri === undefined)) {
      return `${where} needs exactly one of "secret" (HS256) or "jwksUri" (RS256/ES256/EdDSA)`;
    }
    if (secret !== undefined && (typeof secret !== 'string' || secret.length < 16)) {
      return `${where}: "secret" must be a string of at least 16 characters`;
    }
    if (jwksUri !== undefined && (typeof jwksUri !== 'string' || !isHttpUrl(jwksUri))) {
      return `${where}: "jwksUri" must be an http(s) URL`;
    }
  }
  return undefined;
}

function checkServiceUsers(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'must be a JSON object of {"username": ["role", …]}';
  }
  for (const [username, roles] of Object.entries(value)) {
    if (!Array.isArray(roles) || roles.some((role) => typeof role !== 'string' || role === '')) {
      return `roles of "${username}" must be a list of role names`;
    }
  }
  return undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const SETTINGS = {
  port: {
    env: 'PORT',
    kind: 'integer',
    default: 8150,
    min: 0,
    max: 65535,
    description: 'TCP port to listen on.',
  },
  host: {
    env: 'HOST',
    kind: 'string',
    default: '127.0.0.1',
    description: 'Address to listen on (`0.0.0.0` for all IPv4 interfaces).',
    check: (v: string) =>
      isIP(v) || /^[a-z0-9.-]+$/i.test(v) ? undefined : 'must be an IP address or host name',
  },
  publicUrl: {
    env: 'PUBLIC_URL',
    kind: 'url',
    default: 'http://localhost:8150',
    description:
      "Base URL used in links Laurel generates. Its host is the default site's domain, created on an empty database.",
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    kind: 'string',
    default: 'pglite:./data/pglite',
    secret: true,
    description:
      '`pglite:<dir>` (embedded PostgreSQL stored in a directory), `pglite:memory` (nothing kept), or `postgres://user:password@host:port/db`.',
    check: (v: string) =>
      /^pglite:.+/.test(v) || /^postgres(ql)?:\/\/.+/.test(v)
        ? undefined
        : 'must be pglite:<dir>, pglite:memory or postgres://…',
  },
  databasePoolSize: {
    env: 'DATABASE_POOL_SIZE',
    kind: 'integer',
    default: 10,
    min: 1,
    max: 200,
    description: 'Connections in the PostgreSQL pool (ignored for PGlite, which has one).',
  },
  databaseStatementTimeoutSeconds: {
    env: 'DATABASE_STATEMENT_TIMEOUT_SECONDS',
    kind: 'integer',
    default: 30,
    min: 1,
    max: 3600,
    description:
      "The server's PostgreSQL statements are cancelled after this long, and a statement without any answer for 2 s more (a stalled server or network) fails; either answers 503. Migrations and the CLI are not limited.",
  },
  migrateOnStart: {
    env: 'MIGRATE_ON_START',
    kind: 'boolean',
    default: true,
    description:
      'Apply pending migrations when the server starts. Turn off when a release step runs `laurel migrate` instead.',
  },
  redisUrl: {
    env: 'REDIS_URL',
    kind: 'url',
    secret: true,
    description:
      'When set (`redis://…` or `rediss://…`), the cache, rate limits and cache invalidation use Redis.',
    check: (v: string) => (/^rediss?:\/\//.test(v) ? undefined : 'must start with redis:// or rediss://'),
  },
  redisKeyPrefix: {
    env: 'REDIS_KEY_PREFIX',
    kind: 'string',
    default: 'laurel:',
    description: 'Prefix of every Redis key Laurel writes, so several deployments can share one Redis.',
  },
  dataDir: {
    env: 'DATA_DIR',
    kind: 'string',
    default: './data',
    description:
      'Directory for files Laurel keeps: the generated secret key, uploaded assets (`DATA_DIR/assets`), and social cards and PDFs (`DATA_DIR/cards`, `DATA_DIR/pdf`).',
  },
  secretKey: {
    env: 'SECRET_KEY',
    kind: 'string',
    secret: true,
    description:
      'Signs sessions and CSRF tokens. When unset, a random key is generated once into `DATA_DIR/secret_key` and reused.',
    check: (v: string) => (v.length >= 32 ? undefined : 'must be at least 32 characters'),
  },
  jwtIssuers: {
    env: 'JWT_ISSUERS',
    kind: 'json',
    default: [] as JwtIssuer[],
    secret: true,
    description:
      'JSON array of trusted JWT issuers: `{"issuer", "audience"?, "secret"?, "jwksUri"?}` with an HS256 shared `secret` or a `jwksUri` for RS256/ES256/EdDSA keys.',
    check: checkJwtIssuers,
  },
  jwtLeewaySeconds: {
    env: 'JWT_LEEWAY_SECONDS',
    kind: 'integer',
    default: 30,
    min: 0,
    max: 300,
    description: "Clock skew tolerated when checking a JWT's `exp` and `nbf`, in seconds.",
  },
  jwksCacheSeconds: {
    env: 'JWKS_CACHE_SECONDS',
    kind: 'integer',
    default: 600,
    min: 10,
    max: 86_400,
    description: 'How long keys fetched from a `jwksUri` are trusted before they are fetched again.',
  },
  jwksRefetchCooldownSeconds: {
    env: 'JWKS_REFETCH_COOLDOWN_SECONDS',
    kind: 'integer',
    default: 30,
    min: 0,
    max: 3600,
    description:
      'A token signed with an unknown key id makes Laurel fetch the key set again (key rotation), at most once per this many seconds.',
  },
  serviceUsers: {
    env: 'SERVICE_USERS',
    kind: 'json',
    default: {} as Record<string, string[]>,
    description:
      'JSON object mapping service usernames to the roles they hold on every site, e.g. `{"lms_worker": ["issuer"]}`.',
    check: checkServiceUsers,
  },
  usernameReplacementWorker: {
    env: 'USERNAME_REPLACEMENT_WORKER',
    kind: 'string',
    description: 'Username of the service allowed to rename and retire users (as in Open edX).',
  },
  learnerStatusWorker: {
    env: 'LEARNER_STATUS_WORKER',
    kind: 'string',
    description: "Username of the service allowed to read learners' certificate status (as in Open edX).",
  },
  sessionIdleMinutes: {
    env: 'SESSION_IDLE_MINUTES',
    kind: 'integer',
    default: 120,
    min: 5,
    max: 43_200,
    description: 'A login session ends after this many minutes without a request.',
  },
  sessionMaxHours: {
    env: 'SESSION_MAX_HOURS',
    kind: 'integer',
    default: 24,
    min: 1,
    max: 720,
    description: 'A login session ends this many hours after sign-in, however active.',
  },
  upstreamTimeoutSeconds: {
    env: 'UPSTREAM_TIMEOUT_SECONDS',
    kind: 'integer',
    default: 10,
    min: 1,
    max: 300,
    description: 'Longest wait for one answer from the LMS, the catalog service or a webhook receiver.',
  },
  upstreamRetries: {
    env: 'UPSTREAM_RETRIES',
    kind: 'integer',
    default: 3,
    min: 0,
    max: 10,
    description: 'Retries (with exponential backoff) of a failed upstream call that is safe to repeat.',
  },
  chromiumPath: {
    env: 'CHROMIUM_PATH',
    kind: 'string',
    default: '/usr/bin/chromium',
    description:
      'The Chromium that prints certificate PDFs (headless, JavaScript off, no network). When no browser is there, PDF links are hidden and `/credentials/{id}/pdf` answers 503.',
  },
  webhookAllowedHosts: {
    env: 'WEBHOOK_ALLOWED_HOSTS',
    kind: 'string',
    default: '',
    description:
      'Comma-separated host names webhooks may be sent to even though they resolve to private or loopback addresses (for development; normally empty).',
  },
  catalogPageSize: {
    env: 'CATALOG_PAGE_SIZE',
    kind: 'integer',
    default: 100,
    min: 1,
    max: 500,
    description:
      'Items asked for per page when copying the catalog (`laurel catalog sync --page-size` overrides it).',
  },
  catalogSyncIntervalMinutes: {
    env: 'CATALOG_SYNC_INTERVAL_MINUTES',
    kind: 'integer',
    default: 0,
    min: 0,
    max: 1440,
    description:
      "Copy every site's catalog on this schedule, in minutes: 0 (off) or a divisor of 60 or of 1440 that is a whole number of hours (e.g. 15, 60, 360, 1440).",
    check: (v: number) =>
      v === 0 || (v < 60 && 60 % v === 0) || (v % 60 === 0 && 1440 % v === 0)
        ? undefined
        : 'must be 0, a divisor of 60, or a whole number of hours dividing 24',
  },
  adminEmail: {
    env: 'ADMIN_EMAIL',
    kind: 'string',
    description:
      'With ADMIN_PASSWORD: create (or update) a local administrator at start, for running without an LMS.',
    check: (v: string) => (/^[^@\s]+@[^@\s]+$/.test(v) ? undefined : 'must be an email address'),
  },
  adminPassword: {
    env: 'ADMIN_PASSWORD',
    kind: 'string',
    secret: true,
    description: "The local administrator's password (at least 12 characters).",
    check: (v: string) => (v.length >= 12 ? undefined : 'must be at least 12 characters'),
  },
  logLevel: {
    env: 'LOG_LEVEL',
    kind: 'enum',
    values: LOG_LEVELS,
    default: 'info',
    description: `Least severe log level written: ${LOG_LEVELS.join(', ')}.`,
  },
  trustProxy: {
    env: 'TRUST_PROXY',
    kind: 'boolean',
    default: false,
    description:
      'Trust `X-Forwarded-For/Host/Proto` from a reverse proxy. Only enable behind a proxy that sets them: the site is chosen by host.',
  },
  bodyLimit: {
    env: 'BODY_LIMIT',
    kind: 'integer',
    default: 1_048_576,
    min: 1024,
    max: 104_857_600,
    description: 'Largest request body accepted, in bytes; larger bodies get 413.',
  },
  jobsEnabled: {
    env: 'JOBS_ENABLED',
    kind: 'boolean',
    default: true,
    description:
      'Run background job workers in this process. Turn off on instances that should only serve HTTP.',
  },
} satisfies Record<
  string,
  | SettingSpec<never>
  | SettingSpec<string>
  | SettingSpec<number>
  | SettingSpec<boolean>
  | SettingSpec<JwtIssuer[]>
  | SettingSpec<Record<string, string[]>>
>;

type Settings = typeof SETTINGS;
type ValueOf<S> = S extends { kind: 'integer' }
  ? number
  : S extends { kind: 'boolean' }
    ? boolean
    : S extends { kind: 'json'; default: infer D }
      ? D
      : S extends { kind: 'enum'; values: readonly (infer V)[] }
        ? V
        : string;

export type Config = {
  -readonly [K in keyof Settings]: Settings[K] extends { default: unknown }
    ? ValueOf<Settings[K]>
    : ValueOf<Settings[K]> | undefined;
};

export const SETTING_SPECS: ReadonlyArray<{ key: string } & SettingSpec<unknown>> = Object.entries(
  SETTINGS,
).map(([key, spec]) => ({ key, ...(spec as SettingSpec<unknown>) }));

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type RawValue = string | number | boolean | object;

function convert(spec: SettingSpec<unknown>, raw: RawValue): { value?: unknown; problem?: string } {
  if (typeof raw === 'object' && spec.kind !== 'json')
    return { problem: 'must be a single value, not a list or mapping' };
  const shown = typeof raw === 'string' ? `"${spec.secret ? '…' : raw}"` : typeof raw;
  switch (spec.kind) {
    case 'integer': {
      const text = String(raw).trim();
      if (!/^-?\d+$/.test(text)) return { problem: `must be an integer (got ${shown})` };
      const value = Number(text);
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        return { problem: `must be between ${spec.min} and ${spec.max} (got ${value})` };
      }
      return { value };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      const text = String(raw).trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(text)) return { value: true };
      if (['false', '0', 'no', 'off'].includes(text)) return { value: false };
      return { problem: `must be true or false (got ${shown})` };
    }
    case 'json': {
      if (typeof raw !== 'string') return { value: raw };
      try {
        return { value: JSON.parse(raw) };
      } catch {
        return { problem: 'must be valid JSON' };
      }
    }
    case 'enum': {
      const text = String(raw).trim();
      if (!spec.values?.includes(text))
        return { problem: `must be one of ${spec.values?.join(', ')} (got ${shown})` };
      return { value: text };
    }
    case 'url': {
      const text = String(raw).trim();
      try {
        new URL(text);
      } catch {
        return { problem: `must be an absolute URL (got ${shown})` };
      }
      return { value: text.replace(/\/+$/, '') };
    }
    case 'string':
      return { value: String(raw) };
  }
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`LAUREL_CONFIG: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`]);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`LAUREL_CONFIG: ${path} is not valid YAML or JSON: ${(error as Error).message}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([`LAUREL_CONFIG: ${path} must hold a mapping of setting names to values`]);
  }
  return parsed as Record<string, unknown>;
}

/** Reads and validates every setting; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const file = env.LAUREL_CONFIG ? readConfigFile(env.LAUREL_CONFIG) : {};
  const known = new Set(SETTING_SPECS.map((s) => s.env));
  const problems = Object.keys(file)
    .filter((name) => !known.has(name))
    .map((name) => `LAUREL_CONFIG: unknown setting ${name}`);
  const config: Record<string, unknown> = {};

  for (const spec of SETTING_SPECS) {
    const fromEnv = env[spec.env];
    const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : (file[spec.env] as RawValue | undefined);
    if (raw === undefined || raw === null) {
      config[spec.key] = spec.default;
      continue;
    }
    const { value, problem } = convert(spec, raw);
    const checked = problem ?? spec.check?.(value as never);
    if (checked) problems.push(`${spec.env}: ${checked}`);
    else config[spec.key] = value;
  }
  const given = (name: string) => Boolean(env[name] || file[name]);
  if (given('ADMIN_EMAIL') !== given('ADMIN_PASSWORD')) {
    problems.push('ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as Config;
}

function redactUrlPassword(value: string): string {
  try {
    const url = new URL(value);
    if (!url.password) return value;
    url.password = 'redacted';
    return url.toString();
  } catch {
    return value;
  }
}

/** A copy fit for logs: secrets replaced, passwords inside URLs hidden. */
export function redactConfig(config: Config): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const spec of SETTING_SPECS) {
    const value = (config as Record<string, unknown>)[spec.key];
    if (value === undefined) continue;
    if (spec.kind === 'url' || spec.key === 'databaseUrl') shown[spec.key] = redactUrlPassword(String(value));
    else if (spec.secret)
      shown[spec.key] = spec.kind === 'json' ? `[${(value as unknown[]).length} redacted]` : '[redacted]';
    else shown[spec.key] = value;
  }
  return shown;
}

/** The host of PUBLIC_URL, lower-cased and without port: the default site's domain. */
export function defaultSiteDomain(config: Config): string {
  return new URL(config.publicUrl).hostname.toLowerCase();
}
