import { LRUCache } from 'lru-cache';
import { deepFreeze } from '../../platform/deep-freeze.ts';
import { type ChangeTokens, changeKeys } from '../../platform/cache/change-tokens.ts';
import { createBatcher } from '../../platform/batcher.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { parseUuid } from '../../platform/ids.ts';
import type { Site } from '../sites/sites.service.ts';
import type {
  ShownConfig,
  ShownCredential,
  ShownCredentialsRepository,
  ShownHolding,
} from './shown-credentials.repository.ts';

export type { ShownCredential, ShownOrganization, ShownSignatory } from './shown-credentials.repository.ts';

/** The id preview certificates carry: no credential has it. */
const PREVIEW_UUID = '00000000-0000-7000-8000-000000000000';

/** A credential the public may see, with the date its certificate shows. */
export interface PublicCredential extends ShownCredential {
  issuedOn: Date;
}

/** The 32 lower-case hex digits of certificate URLs (reference §3.1); anything else names nothing. */
const CERTIFICATE_ID = /^[0-9a-f]{32}$/;

/** The UUID a certificate URL names, or null when it names none. */
export function certificateUuid(certificateId: string): string | null {
  if (!CERTIFICATE_ID.test(certificateId)) return null;
  const hex = certificateId;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The date a certificate shows, or null while it may not be shown (reference §1.7): a course
 * credential from its configuration's available date (the LMS's override, else that date, else when
 * it was awarded); a program credential by its stored date, which exists once a course counts.
 */
export function publicDate(credential: ShownCredential, now: Date): Date | null {
  if (credential.status !== 'awarded') return null;
  if (credential.config.kind === 'program')
    return credential.visibleDate && credential.visibleDate <= now ? credential.visibleDate : null;
  const available = credential.config.certificateAvailableDate;
  if (available && available > now) return null;
  return credential.dateOverride ?? available ?? credential.awardedAt;
}

/** Configurations kept in memory at most: far more than pages show at once. */
const CONFIGS_MAX = 1000;
/** Credential lookups at most in one query, and such queries at most running at once. */
const LOOKUP_BATCH = { maxSize: 100, concurrency: 4 };

/**
 * Credentials as the world sees them on certificate pages: revoked and not-yet-visible ones are not
 * there. A configuration as certificates show it (program, run, organizations, signatories: most of
 * what a page reads) is kept in memory under the site's certificate change token, which every change
 * to any of it bumps, so a page not yet cached costs one small query.
 */
export function createShownCredentials(deps: {
  database: Database;
  repository: ShownCredentialsRepository;
  clock: Clock;
  changes: ChangeTokens;
}) {
  const { database, repository, clock, changes } = deps;
  // Shared by every reader: read-only, as the certificate views only read them.
  const configs = new LRUCache<string, ShownConfig>({ max: CONFIGS_MAX });

  /** `siteToken`: the site's certificates change token, when the caller has read it already. */
  async function shownConfig(
    site: Site,
    configId: number,
    siteToken?: string,
  ): Promise<ShownConfig | undefined> {
    // The token first: a configuration read under an outdated token is never found again.
    const token = siteToken ?? (await changes.current([changeKeys.siteCertificates(site.id)]))[0];
    const key = `${site.id}:${configId}:${token}`;
    const kept = configs.get(key);
    if (kept) return kept;
    const config = await repository.config(database.db, site.id, configId);
    // Frozen: every page of the configuration shares it, and none may change it for the others.
    if (config) configs.set(key, deepFreeze(config));
    return config;
  }

  /**
   * Pages not yet cached come in bursts (a crawler, a link shared widely): the lookups of those asked
   * for while others run go to the database together, one query for many rather than one each
   * (ADR 0017).
   */
  const lookUp = createBatcher<
    { siteId: number; uuid: string },
    (ShownHolding & { configId: number }) | undefined
  >(async (wanted) => {
    const rows = await repository.findMany(database.db, wanted);
    const found = new Map(rows.map(({ siteId, ...row }) => [`${siteId}:${row.uuid}`, row]));
    return wanted.map(({ siteId, uuid }) => found.get(`${siteId}:${uuid}`));
  }, LOOKUP_BATCH);

  /** The credential with this UUID on this site, whatever its status, or undefined. */
  async function find(site: Site, uuid: string, siteToken?: string): Promise<ShownCredential | undefined> {
    const row = await lookUp({ siteId: site.id, uuid });
    if (!row) return undefined;
    const { configId, ...holding } = row;
    const config = await shownConfig(site, configId, siteToken);
    return config && { ...config, ...holding };
  }

  return {
    /**
     * The credential with this UUID when the public may see it; undefined otherwise. `siteToken`:
     * the site's certificates change token, when the caller read it first (as a page cache does).
     */
    async findPublic(site: Site, uuid: string, siteToken?: string): Promise<PublicCredential | undefined> {
      const credential = await find(site, uuid, siteToken);
      const issuedOn = credential && publicDate(credential, clock.now());
      return credential && issuedOn ? { ...credential, issuedOn } : undefined;
    },

    /**
     * A configuration's certificate as if the user `learnerId` (the staff member looking) had been
     * awarded it now, under their name, for staff to see a real configuration before anyone holds it;
     * undefined when the site has no such configuration.
     */
    async previewConfig(
      site: Site,
      configUuid: string,
      learnerId: number,
    ): Promise<PublicCredential | undefined> {
      const parsed = parseUuid(configUuid);
      const shown = parsed ? await repository.findConfig(database.db, site.id, parsed) : undefined;
      const learner = shown && (await repository.learner(database.db, learnerId));
      if (!shown || !learner) return undefined;
      const now = clock.now();
      return {
        ...shown,
        uuid: PREVIEW_UUID,
        status: 'awarded',
        awardedAt: now,
        dateOverride: null,
        visibleDate: now,
        updatedAt: now,
        learner,
        issuedOn: now,
      };
    },

    /**
     * Any credential of the site, revoked or not yet visible too, for staff previews: dated as its
     * page would date it, or by its award while it has no public date.
     */
    async findForStaff(site: Site, uuid: string): Promise<PublicCredential | undefined> {
      const parsed = parseUuid(uuid);
      const credential = parsed ? await find(site, parsed) : undefined;
      if (!credential) return undefined;
      return { ...credential, issuedOn: publicDate(credential, clock.now()) ?? credential.awardedAt };
    },
  };
}

export type ShownCredentials = ReturnType<typeof createShownCredentials>;
