import type { Database } from '../../platform/db/database.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { NotFoundError, ValidationError } from '../../platform/errors.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { parseUuid } from '../../platform/ids.ts';
import { type Actor, type AuditService, diffForAudit } from '../audit/audit.service.ts';
import type { CatalogService } from '../catalog/catalog.service.ts';
import type { AssetsService } from '../certificates/assets.service.ts';
import type { Site } from '../sites/sites.service.ts';
import { type ConfigEditing, type ConfigPresentation, presentationValues } from './config-editing.ts';
import type { CredentialsRepository } from './credentials.repository.ts';
import type { ProgramConfigsRepository, Signatory } from './program-configs.repository.ts';

export interface ProgramConfigInput extends ConfigPresentation {
  isActive?: boolean;
}

export interface SignatoryInput {
  name?: string;
  title?: string;
  organizationNameOverride?: string | null;
  /** The UUID of an image asset of the site to sign with; null for none. */
  image?: string | null;
}

/** Program certificate configurations and the signatories they show, per site. */
export function createProgramConfigsService(deps: {
  database: Database;
  repository: ProgramConfigsRepository;
  credentials: CredentialsRepository;
  catalog: CatalogService;
  audit: AuditService;
  editing: ConfigEditing;
  /** Looks up uploaded images (signatures). */
  assets: Pick<AssetsService, 'idOf'>;
}) {
  const { database, repository, credentials, catalog, audit, editing, assets } = deps;
  const { db } = database;

  const configValues = (input: ProgramConfigInput) => ({
    ...(input.isActive !== undefined && { isActive: input.isActive }),
    ...presentationValues(input),
  });

  async function getConfig(site: Site, uuid: string) {
    const parsed = parseUuid(uuid);
    const row = parsed ? await repository.configByUuid(db, site.id, parsed) : undefined;
    if (!row) throw new NotFoundError();
    return row;
  }

  /** The columns a signatory input sets; its image named by asset UUID, checked against the site's. */
  async function signatoryValues(site: Site, input: SignatoryInput) {
    const { image, ...fields } = input;
    if (image === undefined) return fields;
    if (image === null) return { ...fields, imageAssetId: null };
    const imageAssetId = await assets.idOf(site, image);
    if (imageAssetId === undefined)
      throw ValidationError.field('image', 'No image of this site has that UUID.');
    return { ...fields, imageAssetId };
  }

  async function getSignatory(site: Site, uuid: string): Promise<Signatory> {
    const parsed = parseUuid(uuid);
    const row = parsed ? await repository.signatoryByUuid(db, site.id, parsed) : undefined;
    if (!row) throw new NotFoundError();
    return row;
  }

  return {
    listConfigs: (site: Site, page: Page) => repository.listConfigs(db, site.id, page),
    signatoriesOf: editing.signatoriesOf,
    getConfig,

    async createConfig(site: Site, programUuid: string, input: ProgramConfigInput, actor: Actor) {
      const uuid = parseUuid(programUuid);
      const program = uuid ? await catalog.program(site.id, uuid) : undefined;
      if (!program)
        throw ValidationError.field('program_uuid', `Program ${programUuid} is not in this site's catalog.`);
      const taken = ValidationError.field(
        'program_uuid',
        'This program already has a certificate configuration.',
      );
      if (await credentials.programConfig(db, site.id, program.id)) throw taken;
      const create = editing.change(site, async (tx) => {
        const created = await credentials.insertConfig(tx, {
          siteId: site.id,
          kind: 'program',
          programId: program.id,
          ...configValues(input),
        });
        const linked = await editing.setSignatories(tx, site, created.id, input.signatories);
        await audit.record(tx, actor, {
          siteId: site.id,
          action: 'config.created',
          targetType: 'credential_config',
          targetId: created.uuid,
          changes: { program: [null, program.uuid], ...diffForAudit(null, configValues(input)), ...linked },
        });
        return created;
      });
      // Another request created it since the check above.
      const config = await create.catch((error: unknown) => {
        throw isUniqueViolation(error) ? taken : error;
      });
      return getConfig(site, config.uuid);
    },

    async updateConfig(site: Site, uuid: string, input: ProgramConfigInput, actor: Actor) {
      const { config } = await getConfig(site, uuid);
      await editing.change(site, async (tx) => {
        const values = configValues(input);
        if (Object.keys(values).length > 0) await credentials.updateConfig(tx, config.id, values);
        const changes = {
          ...diffForAudit(config as Record<string, unknown>, values),
          ...(await editing.setSignatories(tx, site, config.id, input.signatories)),
        };
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
      await editing.deleteConfig(site, config, actor);
    },

    listSignatories: (site: Site, page: Page) => repository.listSignatories(db, site.id, page),
    getSignatory,

    async createSignatory(
      site: Site,
      input: Required<Pick<SignatoryInput, 'name'>> & SignatoryInput,
      actor: Actor,
    ): Promise<Signatory> {
      const values = await signatoryValues(site, input);
      const uuid = await editing.change(site, async (tx) => {
        const created = await repository.insertSignatory(tx, {
          siteId: site.id,
          ...values,
          name: input.name,
        });
        await audit.record(tx, actor, {
          siteId: site.id,
          action: 'signatory.created',
          targetType: 'signatory',
          targetId: created,
          changes: diffForAudit(null, { ...values }),
        });
        return created;
      });
      return getSignatory(site, uuid);
    },

    async updateSignatory(site: Site, uuid: string, input: SignatoryInput, actor: Actor): Promise<Signatory> {
      const existing = await getSignatory(site, uuid);
      const values = await signatoryValues(site, input);
      const changes = diffForAudit(existing as Record<string, unknown>, { ...values });
      if (Object.keys(changes).length === 0) return existing;
      await editing.change(site, async (tx) => {
        await repository.updateSignatory(tx, existing.id, values);
        await audit.record(tx, actor, {
          siteId: site.id,
          action: 'signatory.updated',
          targetType: 'signatory',
          targetId: existing.uuid,
          changes,
        });
      });
      return getSignatory(site, uuid);
    },

    async deleteSignatory(site: Site, uuid: string, actor: Actor) {
      const signatory = await getSignatory(site, uuid);
      await editing.deleteAudited(
        site,
        actor,
        { action: 'signatory.deleted', targetType: 'signatory', targetId: signatory.uuid },
        (tx) => repository.deleteSignatory(tx, signatory.id),
        'Certificate configurations still show this signatory: remove it from them first.',
      );
    },
  };
}

export type ProgramConfigsService = ReturnType<typeof createProgramConfigsService>;
