import { LRUCache } from 'lru-cache';
import { type ChangeTokens, changeKeys } from '../../platform/cache/change-tokens.ts';
import type { Database, Db } from '../../platform/db/database.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts';
import type { Page } from '../../platform/http/pagination.ts';
import { parseUuid } from '../../platform/ids.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import type { PublicCredential, ShownCredentials } from '../credentials/shown-credentials.ts';
import type { Site } from '../sites/sites.service.ts';
import type { AssetsRepository } from './assets.repository.ts';
import { type ExampleProgramType, exampleCredential } from './certificate-examples.ts';
import type { CertificateLanguage } from './certificate-messages.ts';
import { type CertificateRenderer, TemplateError } from './certificate-renderer.ts';
import { certificateView, pageOnly } from './certificate-view.ts';
import {
  type StoredTemplate,
  type TemplatePart,
  type TemplateScope,
  pickTemplates,
  templateChain,
} from './template-resolution.ts';
import type { TemplateFilter, TemplateRow, TemplatesRepository } from './templates.repository.ts';

export interface NewTemplate {
  part: TemplatePart;
  scope: TemplateScope;
  scopeKey: string;
  name: string;
  body: string;
}

export interface TemplateChanges {
  name?: string;
  body?: string;
}

/** What a preview renders: a draft or stored body for a part, over a real credential or sample data. */
export interface PreviewRequest {
  part: TemplatePart;
  body?: string;
  template?: string;
  credential?: string;
  kind?: 'program' | 'course-run';
  programType?: ExampleProgramType;
  language?: CertificateLanguage;
}

const CREDENTIAL_KINDS = ['program', 'course-run'] as const;
/** Room for the sites' stored templates kept in process (their bodies' characters, roughly bytes). */
const TEMPLATES_MAX_CHARACTERS = 16 * 1024 * 1024;
/** Where sample certificates pretend to live while a template is checked. */
const SAMPLE_LINKS = pageOnly('https://example.org/credentials/example/');

/** Scopes keyed by a UUID, which credentials name in its canonical form. */
const UUID_SCOPES: readonly TemplateScope[] = ['config', 'program'];

/**
 * The key a scope needs, as resolution will look for it: none for the site, a kind for kinds, a
 * UUID (in canonical form, so `ABC…` matches) for configurations and programs, some name for the rest.
 */
function scopeKeyOf(scope: TemplateScope, key: string): string {
  if (UUID_SCOPES.includes(scope)) {
    const uuid = parseUuid(key);
    if (!uuid) throw ValidationError.field('scope_key', `The ${scope} scope needs a UUID.`);
    return uuid;
  }
  if (scope === 'site' && key !== '')
    throw ValidationError.field('scope_key', 'The site scope takes no key: leave it empty.');
  if (scope === 'credential-kind' && !(CREDENTIAL_KINDS as readonly string[]).includes(key))
    throw ValidationError.field('scope_key', `A credential kind is one of: ${CREDENTIAL_KINDS.join(', ')}.`);
  if (scope !== 'site' && key === '')
    throw ValidationError.field('scope_key', `The ${scope} scope needs a key.`);
  return key;
}

/** The credential kinds a template in this place can be used for: both, unless it is kind-specific. */
const kindsFor = (scope: TemplateScope, key: string) =>
  scope === 'credential-kind'
    ? [key as 'program' | 'course-run']
    : scope === 'program' || scope === 'program-type'
      ? ['program' as const]
      : CREDENTIAL_KINDS;

const storedTemplate = (template: TemplateRow, body: string): StoredTemplate => ({
  part: template.part as TemplatePart,
  scope: template.scope,
  key: template.scopeKey,
  uuid: template.uuid,
  version: template.currentVersion,
  body,
});

/** A template error as a 400 on the field that holds the template: the draft `body`, or a stored `template`. */
const asValidationError = (error: TemplateError, field: 'body' | 'template' = 'body') =>
  ValidationError.field(
    field,
    error.line === null ? error.message : `Line ${error.line}, column ${error.column}: ${error.message}`,
  );

/**
 * Certificate templates of a site: saved only when they parse and render sample certificates within
 * the limits, versioned on every change of body, audited, and resolved per credential along the
 * chain of template-resolution.ts.
 */
/** How a template names one of the site's images. */
const IMAGE_PATH = /\/assets\/([0-9a-f]{64})/g;

export function createTemplatesService(deps: {
  database: Database;
  repository: TemplatesRepository;
  audit: AuditService;
  renderer: CertificateRenderer;
  shown: ShownCredentials;
  changes: ChangeTokens;
  assets: AssetsRepository;
}) {
  const { database, repository, audit, renderer, shown, changes, assets } = deps;
  const { db } = database;
  /**
   * Each site's stored templates, kept in process under the site's certificates change token (read
   * before the database, as for pages): any change to them makes a new token, on every instance, so
   * what is kept is never stale, and a cold page costs neither a query nor a trip to Redis. Readers
   * that ask at once share one query.
   */
  const siteTemplates = new LRUCache<string, StoredTemplate[], number>({
    maxSize: TEMPLATES_MAX_CHARACTERS,
    sizeCalculation: (stored) => stored.reduce((sum, template) => sum + template.body.length, 1),
    fetchMethod: (_key, _stale, { context: siteId }) => repository.currentOfSite(db, siteId),
  });

  /** Runs a template change in one transaction; once it commits, the site's cached certificates are stale. */
  const change = <T>(site: Site, work: (tx: Db) => Promise<T>): Promise<T> =>
    changes.commit(db, work, [changeKeys.siteCertificates(site.id)]);

  /** Refuses a body that would not render a sample certificate of every kind it may be used for. */
  async function check(
    site: Site,
    part: TemplatePart,
    body: string,
    kinds: readonly ('program' | 'course-run')[],
  ) {
    for (const kind of kinds) {
      const sample = exampleCredential(kind, 'professional-certificate');
      try {
        await renderer.renderDraft(part, body, certificateView(site, sample, SAMPLE_LINKS));
      } catch (error) {
        if (error instanceof TemplateError) throw asValidationError(error);
        throw error;
      }
    }
  }

  /**
   * Refuses a body naming images the site does not have, and keeps those it names from being deleted
   * until the save commits (a deletion checks the templates once it has the image's row).
   */
  async function requireImages(tx: Db, site: Site, body: string) {
    const named = [...new Set(Array.from(body.matchAll(IMAGE_PATH), (match) => match[1] as string))];
    const held = new Set(await assets.holdExisting(tx, site.id, named));
    const missing = named.filter((sha256) => !held.has(sha256));
    if (missing.length > 0)
      throw ValidationError.field(
        'body',
        `This site has no image ${missing.map((sha256) => `/assets/${sha256}`).join(', ')}: upload it first.`,
      );
  }

  async function found(site: Site, uuid: string, options: { forUpdate?: boolean } = {}, tx = db) {
    const parsed = parseUuid(uuid);
    const row = parsed ? await repository.find(tx, site.id, parsed, options) : undefined;
    if (!row) throw new NotFoundError();
    return row;
  }

  /** Saves a new body as the template's next version, audited; unchanged bodies write nothing. */
  async function saveBody(
    site: Site,
    uuid: string,
    body: string,
    actor: Actor,
    action: string,
    details = {},
  ) {
    return change(site, async (tx) => {
      const { template, body: current } = await found(site, uuid, { forUpdate: true }, tx);
      if (body === current) return { template, body };
      await requireImages(tx, site, body);
      const saved = await repository.addVersion(tx, template, body, actor.userId ?? null);
      await audit.record(tx, actor, {
        siteId: site.id,
        action,
        targetType: 'template',
        targetId: template.uuid,
        changes: { version: [template.currentVersion, saved.currentVersion], ...details },
      });
      return { template: saved, body };
    });
  }

  return {
    list: (site: Site, filter: TemplateFilter, page: Page) => repository.list(db, site.id, filter, page),

    get: (site: Site, uuid: string) => found(site, uuid),

    async create(
      site: Site,
      input: NewTemplate,
      actor: Actor,
    ): Promise<{ template: TemplateRow; body: string }> {
      const scopeKey = scopeKeyOf(input.scope, input.scopeKey);
      await check(site, input.part, input.body, kindsFor(input.scope, scopeKey));
      try {
        return await change(site, async (tx) => {
          const { body, ...fields } = input;
          await requireImages(tx, site, body);
          const template = await repository.create(
            tx,
            { siteId: site.id, ...fields, scopeKey },
            body,
            actor.userId ?? null,
          );
          await audit.record(tx, actor, {
            siteId: site.id,
            action: 'template.created',
            targetType: 'template',
            targetId: template.uuid,
            changes: {
              part: [null, input.part],
              scope: [null, input.scope],
              scope_key: [null, scopeKey],
            },
          });
          return { template, body };
        });
      } catch (error) {
        if (isUniqueViolation(error))
          throw new ConflictError(`This site already has a ${input.part} template for that scope and key.`);
        throw error;
      }
    },

    async update(site: Site, uuid: string, changes: TemplateChanges, actor: Actor) {
      let saved = await found(site, uuid);
      const { template } = saved;
      if (changes.body !== undefined) {
        await check(
          site,
          template.part as TemplatePart,
          changes.body,
          kindsFor(template.scope, template.scopeKey),
        );
        saved = await saveBody(site, uuid, changes.body, actor, 'template.updated');
      }
      if (changes.name !== undefined && changes.name !== saved.template.name) {
        const name = changes.name;
        saved = await change(site, async (tx) => {
          const renamed = await repository.rename(tx, template.id, name);
          await audit.record(tx, actor, {
            siteId: site.id,
            action: 'template.renamed',
            targetType: 'template',
            targetId: template.uuid,
            changes: { name: [template.name, name] },
          });
          return { template: renamed, body: saved.body };
        });
      }
      return saved;
    },

    async delete(site: Site, uuid: string, actor: Actor): Promise<void> {
      const { template } = await found(site, uuid);
      await change(site, async (tx) => {
        await repository.delete(tx, template.id);
        await audit.record(tx, actor, {
          siteId: site.id,
          action: 'template.deleted',
          targetType: 'template',
          targetId: template.uuid,
          changes: {
            part: [template.part, null],
            scope: [template.scope, null],
            scope_key: [template.scopeKey, null],
          },
        });
      });
    },

    async versions(site: Site, uuid: string, page: Page) {
      const { template } = await found(site, uuid);
      return repository.versions(db, template.id, page);
    },

    /** Makes an earlier version's body current again, as a new version: history only grows. */
    async restore(site: Site, uuid: string, version: number, actor: Actor) {
      const { template } = await found(site, uuid);
      const earlier = await repository.version(db, template.id, version);
      if (!earlier) throw new NotFoundError();
      return saveBody(site, uuid, earlier.body, actor, 'template.restored', { restored_version: version });
    },

    /**
     * The stored parts that replace built-in ones for this credential. `siteToken`: the site's
     * certificates change token, when the caller read it before reading the credential.
     */
    async partsFor(
      site: Site,
      credential: PublicCredential,
      siteToken?: string,
    ): Promise<Map<TemplatePart, StoredTemplate>> {
      const token = siteToken ?? (await changes.current([changeKeys.siteCertificates(site.id)]))[0];
      const stored = await siteTemplates.fetch(`${site.id}:${token}`, { context: site.id });
      return pickTemplates(templateChain(credential), stored ?? []);
    },

    /**
     * Renders a draft or stored template for a real credential of the site (any status) or sample
     * data; the page's bytes.
     */
    async preview(site: Site, request: PreviewRequest, origin: string): Promise<Buffer> {
      const found = request.credential
        ? await shown.findForStaff(site, request.credential)
        : exampleCredential(request.kind ?? 'program', request.programType ?? 'professional-certificate');
      if (!found) throw ValidationError.field('credential', 'No credential of this site has that UUID.');
      // A copy: a real credential's configuration is shared with the public pages.
      const credential = request.language
        ? { ...found, config: { ...found.config, language: request.language } }
        : found;
      const parts = await this.partsFor(site, credential);
      if (request.template) {
        const stored = parseUuid(request.template);
        const row = stored ? await repository.find(db, site.id, stored) : undefined;
        if (!row) throw ValidationError.field('template', 'No template of this site has that UUID.');
        parts.set(row.template.part as TemplatePart, storedTemplate(row.template, row.body));
      }
      const view = certificateView(site, credential, pageOnly(`${origin}/credentials/preview/`));
      try {
        const rendered =
          request.body === undefined
            ? await renderer.render(view, parts)
            : await renderer.renderDraft(request.part, request.body, view, parts);
        return rendered.body;
      } catch (error) {
        if (error instanceof TemplateError)
          throw asValidationError(error, request.body === undefined ? 'template' : 'body');
        throw error;
      }
    },
  };
}

export type TemplatesService = ReturnType<typeof createTemplatesService>;
