import type { ShownCredential } from '../credentials/shown-credentials.ts';
import type { TEMPLATE_SCOPES } from './certificates.schema.ts';

export type TemplateScope = (typeof TEMPLATE_SCOPES)[number];

/** The parts of a certificate: the page and the partials it includes by these names. */
export const TEMPLATE_PARTS = ['certificate', 'header', 'footer', 'signatories'] as const;
export type TemplatePart = (typeof TEMPLATE_PARTS)[number];

/** Where a stored template applies: a scope and the key that names the match within it. */
export interface TemplateMatch {
  scope: TemplateScope;
  key: string;
}

/**
 * The places a credential's templates may come from, most specific first: its configuration, its
 * program, the program type, each of its organizations in catalog order, its kind, then the site.
 * Each part is looked up along this chain on its own, so a program's own certificate can keep the
 * site's header. After the chain comes the built-in design.
 */
export function templateChain(
  credential: Pick<ShownCredential, 'config' | 'program' | 'organizations'>,
): TemplateMatch[] {
  const { config, program, organizations } = credential;
  return [
    { scope: 'config' as const, key: config.uuid },
    ...(program
      ? [
          { scope: 'program' as const, key: program.uuid },
          ...(program.typeSlug ? [{ scope: 'program-type' as const, key: program.typeSlug }] : []),
        ]
      : []),
    ...organizations.map((organization) => ({ scope: 'organization' as const, key: organization.key })),
    { scope: 'credential-kind' as const, key: config.kind },
    { scope: 'site' as const, key: '' },
  ];
}

/** A stored template's current body, as resolution sees it. */
export interface StoredTemplate extends TemplateMatch {
  part: TemplatePart;
  uuid: string;
  version: number;
  body: string;
}

/** For each part, the most specific stored template along the chain; parts without one are left out. */
export function pickTemplates(
  chain: TemplateMatch[],
  stored: StoredTemplate[],
): Map<TemplatePart, StoredTemplate> {
  const rank = new Map(chain.map((match, index) => [`${match.scope}:${match.key}`, index]));
  const picked = new Map<TemplatePart, StoredTemplate>();
  for (const template of stored) {
    const position = rank.get(`${template.scope}:${template.key}`);
    if (position === undefined) continue;
    const current = picked.get(template.part);
    if (!current || position < (rank.get(`${current.scope}:${current.key}`) ?? Infinity))
      picked.set(template.part, template);
  }
  return picked;
}
