import { type ChangeTokens, changeKeys } from '../../platform/cache/change-tokens.ts';
import type { Database, Db } from '../../platform/db/database.ts';
import { isStillReferenced } from '../../platform/db/errors.ts';
import { ConflictError, ValidationError } from '../../platform/errors.ts';
import { parseUuid } from '../../platform/ids.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import type { Site } from '../sites/sites.service.ts';
import type { CredentialConfig } from './credentials.repository.ts';
import type { ProgramConfigsRepository } from './program-configs.repository.ts';

/** How a certificate looks, whatever it certifies: what program and course-run configurations share. */
export interface ConfigPresentation {
  title?: string | null;
  language?: string | null;
  useOrgName?: boolean;
  includeHoursOfEffort?: boolean;
  /** Signatory UUIDs, in the order they sign. */
  signatories?: string[];
}

/** The columns a presentation change sets: only the fields given; an empty title or language is none. */
export const presentationValues = (input: ConfigPresentation) => ({
  ...(input.title !== undefined && { title: input.title || null }),
  ...(input.language !== undefined && { language: input.language || null }),
  ...(input.useOrgName !== undefined && { useOrgName: input.useOrgName }),
  ...(input.includeHoursOfEffort !== undefined && { includeHoursOfEffort: input.includeHoursOfEffort }),
});

/**
 * What every kind of credential configuration edits the same way: its ordered signatories and its
 * deletion (refused while awarded credentials use it), and deletions that must audit and 409 alike.
 */
export function createConfigEditing(deps: {
  database: Database;
  repository: ProgramConfigsRepository;
  audit: AuditService;
  changes: ChangeTokens;
}) {
  const { database, repository, audit, changes } = deps;
  const { db } = database;

  /** Runs a configuration change in one transaction; once it commits, the site's cached certificates are stale. */
  const change = <T>(site: Site, work: (tx: Db) => Promise<T>): Promise<T> =>
    changes.commit(db, work, [changeKeys.siteCertificates(site.id)]);

  /** The ids of the site's signatories named, in order; a 400 on `signatories` for unknown or repeated ones. */
  async function signatoryIdsFor(tx: Db, site: Site, uuids: string[]): Promise<number[]> {
    const parsed = uuids.map((uuid) => parseUuid(uuid));
    const ids = await repository.signatoryIds(
      tx,
      site.id,
      parsed.filter((uuid): uuid is string => uuid !== null),
    );
    const unknown = uuids.filter((uuid, index) => !ids.has(parsed[index] ?? ''));
    if (unknown.length > 0)
      throw ValidationError.field('signatories', `Unknown signatories: ${unknown.join(', ')}.`);
    if (new Set(parsed).size !== parsed.length)
      throw ValidationError.field('signatories', 'A signatory is listed twice.');
    return parsed.map((uuid) => ids.get(uuid ?? '') as number);
  }

  /**
   * Deletes something and audits it in one transaction; a 409 saying `conflict` (and nothing deleted)
   * while other rows still reference it.
   */
  async function deleteAudited(
    site: Site,
    actor: Actor,
    target: { action: string; targetType: string; targetId: string },
    remove: (tx: Db) => Promise<void>,
    conflict: string,
  ): Promise<void> {
    try {
      await change(site, async (tx) => {
        await remove(tx);
        await audit.record(tx, actor, { siteId: site.id, ...target });
      });
    } catch (error) {
      if (isStillReferenced(error)) throw new ConflictError(conflict);
      throw error;
    }
  }

  return {
    change,

    /** Signatory UUIDs of each configuration, in order. */
    signatoriesOf: (configIds: number[]) => repository.signatoriesOf(db, configIds),

    /**
     * Makes the configuration show exactly these signatories, in this order, when a list is given.
     * Returns the change to audit (none when no list was given).
     */
    async setSignatories(
      tx: Db,
      site: Site,
      configId: number,
      uuids: string[] | undefined,
    ): Promise<{ signatories?: string[] }> {
      if (uuids === undefined) return {};
      await repository.setSignatories(tx, configId, await signatoryIdsFor(tx, site, uuids));
      return { signatories: uuids };
    },

    /** Deletes a configuration and audits it; 409 while awarded credentials reference it. */
    deleteConfig: (site: Site, config: CredentialConfig, actor: Actor) =>
      deleteAudited(
        site,
        actor,
        { action: 'config.deleted', targetType: 'credential_config', targetId: config.uuid },
        (tx) => repository.deleteConfig(tx, config.id),
        'Credentials were awarded with this configuration: deactivate it instead.',
      ),

    deleteAudited,
  };
}

export type ConfigEditing = ReturnType<typeof createConfigEditing>;
