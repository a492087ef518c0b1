import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, ConfigError, SETTING_SPECS, loadConfig, redactConfig } from './config.ts';

/** Runs loadConfig and returns the ConfigError it throws; fails the test when it does not throw one. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const GOOD_SECRET = 'a-shared-secret-of-enough-length';

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8150);
    expect(config.host).toBe('127.0.0.1');
    expect(config.publicUrl).toBe('http://localhost:8150');
    expect(config.databaseUrl).toBe('pglite:./data/pglite');
    expect(config.logLevel).toBe('info');
    expect(config.jwtIssuers).toEqual([]);
    expect(config.migrateOnStart).toBe(true);
    expect(config.trustProxy).toBe(false);
    expect(config.redisUrl).toBeUndefined();
    expect(config.secretKey).toBeUndefined();
    expect(config.adminEmail).toBeUndefined();
  });

  it('reads and converts values from the environment', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://credentials.example.org/',
      DATABASE_URL: 'postgres://laurel:pw@db:5432/laurel',
      REDIS_URL: 'redis://cache:6379',
      LOG_LEVEL: 'debug',
      MIGRATE_ON_START: 'no',
      TRUST_PROXY: 'on',
      JWT_ISSUERS: JSON.stringify([{ issuer: 'https://lms.example.org', secret: GOOD_SECRET }]),
      ADMIN_EMAIL: 'admin@example.org',
      ADMIN_PASSWORD: 'correct horse battery',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      publicUrl: 'https://credentials.example.org',
      databaseUrl: 'postgres://laurel:pw@db:5432/laurel',
      redisUrl: 'redis://cache:6379',
      logLevel: 'debug',
      migrateOnStart: false,
      trustProxy: true,
      jwtIssuers: [{ issuer: 'https://lms.example.org', secret: GOOD_SECRET }],
      adminEmail: 'admin@example.org',
      adminPassword: 'correct horse battery',
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '' })).toMatchObject({ port: 8150, logLevel: 'info' });
  });

  const jwksIssuer = { issuer: 'https://lms', secret: GOOD_SECRET, jwksUri: 'https://lms/jwks' };
  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'not a url' }],
    ['REDIS_URL', { REDIS_URL: 'http://x' }],
    ['JWT_ISSUERS', { JWT_ISSUERS: 'not json' }],
    ['JWT_ISSUERS', { JWT_ISSUERS: JSON.stringify([jwksIssuer]) }],
    ['JWT_ISSUERS', { JWT_ISSUERS: JSON.stringify([{ issuer: 'https://lms', secret: 'short' }]) }],
    ['JWT_ISSUERS', { JWT_ISSUERS: JSON.stringify([{ issuer: 'https://lms', secret: GOOD_SECRET, x: 1 }]) }],
    ['ADMIN_PASSWORD', { ADMIN_EMAIL: 'admin@example.org' }],
    ['ADMIN_PASSWORD', { ADMIN_EMAIL: 'admin@example.org', ADMIN_PASSWORD: 'short' }],
    ['MIGRATE_ON_START', { MIGRATE_ON_START: 'maybe' }],
  ] as const)('reports %s when given %j', (name, env) => {
    const error = configError(env);
    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.problems.some((problem) => problem.includes(name))).toBe(true);
    expect(error.message).toContain(name);
  });

  it('explains which JWT_ISSUERS rule an entry breaks', () => {
    expect(configError({ JWT_ISSUERS: JSON.stringify([jwksIssuer]) }).message).toMatch(/exactly one of/);
    const short = [{ issuer: 'https://lms', secret: 'short' }];
    expect(configError({ JWT_ISSUERS: JSON.stringify(short) }).message).toMatch(/at least 16 characters/);
    const extra = [{ issuer: 'https://lms', secret: GOOD_SECRET, algorithm: 'none' }];
    expect(configError({ JWT_ISSUERS: JSON.stringify(extra) }).message).toMatch(/unknown keys: algorithm/);
  });

  it('does not echo secret values in its messages', () => {
    const error = configError({ DATABASE_URL: 'mysql://root:hunter2@db', REDIS_URL: 'http://:hunter2@x' });
    expect(error.message).not.toContain('hunter2');
  });

  it('reports every bad value at once', () => {
    const error = configError({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      REDIS_URL: 'http://x',
      MIGRATE_ON_START: 'maybe',
    });
    expect(error.problems).toHaveLength(4);
    for (const name of ['PORT', 'LOG_LEVEL', 'REDIS_URL', 'MIGRATE_ON_START']) {
      expect(error.problems.some((problem) => problem.startsWith(`${name}:`))).toBe(true);
      expect(error.message).toContain(name);
    }
  });
});

describe('loadConfig with LAUREL_CONFIG', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'laurel-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads settings from a YAML file, with native YAML types', () => {
    const path = file(
      'native.yaml',
      [
        'PORT: 9100',
        'TRUST_PROXY: true',
        'MIGRATE_ON_START: false',
        'LOG_LEVEL: warn',
        'JWT_ISSUERS:',
        '  - issuer: https://lms.example.org',
        `    secret: ${GOOD_SECRET}`,
        '  - issuer: https://other.example.org',
        '    jwksUri: https://other.example.org/jwks',
        '',
      ].join('\n'),
    );
    const config = loadConfig({ LAUREL_CONFIG: path });
    expect(config.port).toBe(9100);
    expect(config.trustProxy).toBe(true);
    expect(config.migrateOnStart).toBe(false);
    expect(config.logLevel).toBe('warn');
    expect(config.jwtIssuers).toEqual([
      { issuer: 'https://lms.example.org', secret: GOOD_SECRET },
      { issuer: 'https://other.example.org', jwksUri: 'https://other.example.org/jwks' },
    ]);
    expect(config.host).toBe('127.0.0.1');
  });

  it('lets the environment win over the file', () => {
    const path = file('override.yaml', 'PORT: 9100\nLOG_LEVEL: warn\n');
    const config = loadConfig({ LAUREL_CONFIG: path, PORT: '9200' });
    expect(config.port).toBe(9200);
    expect(config.logLevel).toBe('warn');
  });

  it('validates values from the file like values from the environment', () => {
    const path = file('bad-value.yaml', 'PORT: 70000\n');
    expect(configError({ LAUREL_CONFIG: path }).message).toContain('PORT');
  });

  it('rejects an unknown key in the file, naming it', () => {
    const path = file('unknown.yaml', 'PORT: 9100\nPROT: 9200\n');
    const error = configError({ LAUREL_CONFIG: path });
    expect(error.message).toContain('PROT');
    expect(error.message).toContain('LAUREL_CONFIG');
  });

  it('gives a clear error for a missing file', () => {
    const path = join(dir, 'does-not-exist.yaml');
    const error = configError({ LAUREL_CONFIG: path });
    expect(error.message).toContain('LAUREL_CONFIG');
    expect(error.message).toContain(path);
    expect(error.message).toContain('ENOENT');
  });

  it('gives a clear error for a file that is not valid YAML', () => {
    const path = file('invalid.yaml', 'PORT: [9100\nHOST: {\n');
    const error = configError({ LAUREL_CONFIG: path });
    expect(error.message).toContain('LAUREL_CONFIG');
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/not valid YAML/);
  });

  it('rejects a file that does not hold a mapping', () => {
    const path = file('list.yaml', '- PORT\n- HOST\n');
    expect(configError({ LAUREL_CONFIG: path }).message).toMatch(/mapping/);
  });
});

describe('redactConfig', () => {
  const config: Config = loadConfig({
    SECRET_KEY: 'k'.repeat(40),
    ADMIN_EMAIL: 'admin@example.org',
    ADMIN_PASSWORD: 'correct horse battery',
    JWT_ISSUERS: JSON.stringify([
      { issuer: 'https://a.example.org', secret: 'issuer-secret-number-one' },
      { issuer: 'https://b.example.org', secret: 'issuer-secret-number-two' },
    ]),
    DATABASE_URL: 'postgres://laurel:db-password@db.internal:5432/laurel',
    REDIS_URL: 'redis://:redis-password@cache.internal:6379/0',
    PORT: '9000',
    LOG_LEVEL: 'debug',
  });
  const shown = redactConfig(config);
  const text = JSON.stringify(shown);

  it('hides secrets', () => {
    for (const secret of [
      'k'.repeat(40),
      'correct horse battery',
      'issuer-secret-number-one',
      'issuer-secret-number-two',
      'db-password',
      'redis-password',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(shown.secretKey).toBe('[redacted]');
    expect(shown.adminPassword).toBe('[redacted]');
  });

  it('shows how many JWT issuers there are', () => {
    expect(shown.jwtIssuers).toMatch(/2/);
  });

  it('keeps the rest of database and Redis URLs', () => {
    expect(shown.databaseUrl).toMatch(/^postgres:\/\/laurel:[^@]*@db\.internal:5432\/laurel$/);
    expect(shown.redisUrl).toMatch(/^redis:\/\/:[^@]*@cache\.internal:6379\/0$/);
  });

  it('leaves non-secret values as they are', () => {
    expect(shown).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      logLevel: 'debug',
      publicUrl: 'http://localhost:8150',
      adminEmail: 'admin@example.org',
      migrateOnStart: true,
    });
  });

  it('leaves a PGlite database URL as it is', () => {
    expect(redactConfig(loadConfig({})).databaseUrl).toBe('pglite:./data/pglite');
  });
});

describe('docs/configuration.md', () => {
  it('documents LAUREL_CONFIG and every setting as `NAME`', () => {
    const docs = readFileSync(fileURLToPath(new URL('../docs/configuration.md', import.meta.url)), 'utf8');
    const names = ['LAUREL_CONFIG', ...SETTING_SPECS.map((spec) => spec.env)];
    expect(names.filter((name) => !docs.includes(`\`${name}\``))).toEqual([]);
  });
});
