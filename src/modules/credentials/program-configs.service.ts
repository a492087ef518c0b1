import type { Database, Db } from '../../platform/db/database.ts';
import { isStillReferenced } from '../../platform/db/errors.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { parseUuid } from '../../platform/ids.ts';
import { type Actor, type AuditService, diffForAudit } from '../audit/audit.service.ts';
import type { CatalogService } from '../catalog/catalog.service.ts';
import type { Site } from '../sites/sites.service.ts';
import type { CredentialsRepository } from './credentials.repository.ts';
import type { ProgramConfigsRepository, Signatory } from './program-configs.repository.ts';

export interface ProgramConfigInput {
  isActive?: boolean;
  title?: string | null;
  language?: string | null;
  useOrgName?: boolean;
  includeHoursOfEffort?: boolean;
  /** Signatory UUIDs, in the order they sign. */
  signatories?: string[];
}

export interface SignatoryInput {
  name?: string;
  title?: string;
  organizationNameOverride?: string | null;
}

/** Program certificate configurations and the signatories they show, per site. */
export function createProgramConfigsService(deps: {
  database: Database;
  repository: ProgramConfigsRepository;
  credentials: CredentialsRepository;
  catalog: CatalogService;
  audit: AuditService;
}) {
  const { database, repository, credentials, catalog, audit } = deps;
  const { db } = database;

  async function signatoryIdsFor(tx: Db, site: Site, uuids: string[]): Promise<number[]> {
    const parsed = uuids.map((uuid) => parseUuid(uuid) ?? uuid);
    const ids = await repository.signatoryIds(tx, site.id, parsed);
    const unknown = parsed.filter((uuid) => !ids.has(uuid));
    if (unknown.length > 0)
      throw ValidationError.field('signatories', `Unknown signatories: ${unknown.join(', ')}.`);
    if (new Set(parsed).size !== parsed.length)
      throw ValidationError.field('signatories', 'A signatory is listed twice.');
    return parsed.map((uuid) => ids.get(uuid) as number);
  }

  const configValues = (input: ProgramConfigInput) => ({
    ...(input.isActive !== undefined && { isActive: input.isActive }),
    ...(input.title !== undefined && { title: input.title || null }),
    ...(input.language !== undefined && { language: input.language || null }),
    ...(input.useOrgName !== undefined && { useOrgName: input.useOrgName }),
    ...(input.includeHoursOfEffort !== undefined && { includeHoursOfEffort: input.includeHoursOfEffort }),
  });

  async function getConfig(site: Site, uuid: string) {
    const parsed = parseUuid(uuid);
    const row = parsed ? await repository.configByUuid(db, site.id, parsed) : undefined;
    if (!row) throw new NotFoundError();
    return row;
  }

  async function getSignatory(site: Site, uuid: string): Promise<Signatory> {
    const parsed = parseUuid(uuid);
    const row = parsed ? await repository.signatoryByUuid(db, site.id, parsed) : undefined;
    if (!row) throw new NotFoundError();
    return row;
  }

  return {
    listConfigs: (site: Site, page: Page) => repository.listConfigs(db, site.id, page),
    signatoriesOf: (configIds: number[]) => repository.signatoriesOf(db, configIds),
    getConfig,

    async createConfig(site: Site, programUuid: string, input: ProgramConfigInput, actor: Actor) {
      const uuid = parseUuid(programUuid);
      const program = uuid ? await catalog.program(site.id, uuid) : undefined;
      if (!program)
        throw ValidationError.field('program_uuid', `Program ${programUuid} is not in this site's catalog.`);
      if (await credentials.programConfig(db, site.id, program.id)) {
        throw ValidationError.field('program_uuid', 'This program already has a certificate configuration.');
      }
      const config = await db.transaction(async (tx) => {
        const created = await credentials.insertConfig(tx, {
          siteId: site.id,
          kind: 'program',
          programId: program.id,
          ...configValues(input),
        });
        await repository.setSignatories(
          tx,
          created.id,
          await signatoryIdsFor(tx, site, input.signatories ?? []),
        );
        await audit.record(tx, actor, {
          siteId: site.id,
          action: 'config.created',
          targetType: 'credential_config',
          targetId: created.uuid,
          changes: { program: [null, program.uuid], ...diffForAudit(null, configValues(input)) },
        });
        return created;
      });
      return getConfig(site, config.uuid);
    },

    async updateConfig(site: Site, uuid: string, input: ProgramConfigInput, actor: Actor) {
      const { config } = await getConfig(site, uuid);
      await db.transaction(async (tx) => {
        const values = configValues(input);
        const changes: Record<string, unknown> = diffForAudit(config as Record<string, unknown>, values);
        if (Object.keys(values).length > 0) await credentials.updateConfig(tx, config.id, values);
        if (input.signatories) {
          await repository.setSignatories(tx, config.id, await signatoryIdsFor(tx, site, input.signatories));
          changes.signatories = input.signatories;
        }
        if (Object.keys(changes).length > 0) {
          await audit.record(tx, actor, {
            siteId: site.id,
            action: 'config.updated',
            targetType: 'credential_config',
            targetId: config.uuid,
            changes,
          });
        }
      });
      return getConfig(site, uuid);
    },

    async deleteConfig(site: Site, uuid: string, actor: Actor) {
      const { config } = await getConfig(site, uuid);
      try {
        await db.transaction(async (tx) => {
          await repository.deleteConfig(tx, config.id);
          await audit.record(tx, actor, {
            siteId: site.id,
            action: 'config.deleted',
            targetType: 'credential_config',
            targetId: config.uuid,
          });
        });
      } catch (error) {
        if (isStillReferenced(error))
          throw new ConflictError('Credentials were awarded with this configuration: deactivate it instead.');
        throw error;
      }
    },

    listSignatories: (site: Site, page: Page) => repository.listSignatories(db, site.id, page),
    getSignatory,

    async createSignatory(
      site: Site,
      input: Required<Pick<SignatoryInput, 'name'>> & SignatoryInput,
      actor: Actor,
    ) {
      return db.transaction(async (tx) => {
        const signatory = await repository.insertSignatory(tx, { siteId: site.id, ...input });
        await audit.record(tx, actor, {
          siteId: site.id,
          action: 'signatory.created',
          targetType: 'signatory',
          targetId: signatory.uuid,
          changes: diffForAudit(null, { ...input }),
        });
        return signatory;
      });
    },

    async updateSignatory(site: Site, uuid: string, input: SignatoryInput, actor: Actor) {
      const existing = await getSignatory(site, uuid);
      const changes = diffForAudit(existing as Record<string, unknown>, { ...input });
      if (Object.keys(changes).length === 0) return existing;
      return db.transaction(async (tx) => {
        const signatory = await repository.updateSignatory(tx, existing.id, input);
        await audit.record(tx, actor, {
          siteId: site.id,
          action: 'signatory.updated',
          targetType: 'signatory',
          targetId: signatory.uuid,
          changes,
        });
        return signatory;
      });
    },

    async deleteSignatory(site: Site, uuid: string, actor: Actor) {
      const signatory = await getSignatory(site, uuid);
      try {
        await db.transaction(async (tx) => {
          await repository.deleteSignatory(tx, signatory.id);
          await audit.record(tx, actor, {
            siteId: site.id,
            action: 'signatory.deleted',
            targetType: 'signatory',
            targetId: signatory.uuid,
          });
        });
      } catch (error) {
        if (isStillReferenced(error))
          throw new ConflictError(
            'Certificate configurations still show this signatory: remove it from them first.',
          );
        throw error;
      }
    },
  };
}

export type ProgramConfigsService = ReturnType<typeof createProgramConfigsService>;
