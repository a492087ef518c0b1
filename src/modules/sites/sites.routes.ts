import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf } from '../auth/actor.ts';
import { requirePermission } from '../auth/authorize.ts';
import { SITE_FIELDS, type SiteFieldSpec } from './site-fields.ts';
import type { Site, SitesService } from './sites.service.ts';

const apiName = (field: SiteFieldSpec) => field.flag.replace(/-/g, '_');

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const PublicSite = Type.Object(
  {
    domain: Type.String(),
    name: Type.String(),
    platform_name: Type.String(),
    company_name: Type.String(),
    default_language: Type.String(),
    homepage_url: Nullable(Type.String()),
    tos_url: Nullable(Type.String()),
    privacy_policy_url: Nullable(Type.String()),
    certificate_help_url: Nullable(Type.String()),
    records_help_url: Nullable(Type.String()),
    records_enabled: Type.Boolean(),
    sharing: Type.Object({
      linkedin: Type.Boolean(),
      twitter: Type.Boolean(),
      facebook: Type.Boolean(),
      twitter_username: Nullable(Type.String()),
    }),
  },
  {
    $id: 'PublicSite',
    description: "The site's public settings: what pages and front ends need to show it.",
  },
);

function toPublicSite(site: Site) {
  return {
    domain: site.domain,
    name: site.name,
    platform_name: site.platformName,
    company_name: site.companyName,
    default_language: site.defaultLanguage,
    homepage_url: site.homepageUrl,
    tos_url: site.tosUrl,
    privacy_policy_url: site.privacyPolicyUrl,
    certificate_help_url: site.certificateHelpUrl,
    records_help_url: site.recordsHelpUrl,
    records_enabled: site.recordsEnabled,
    sharing: {
      linkedin: site.enableLinkedinSharing,
      twitter: site.enableTwitterSharing,
      facebook: site.enableFacebookSharing,
      twitter_username: site.twitterUsername,
    },
  };
}

export const sitesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v2/site/',
    {
      schema: {
        tags: ['sites'],
        summary: 'The public settings of the site answering this host',
        response: { 200: PublicSite },
      },
    },
    async (request) => toPublicSite(request.site),
  );
};

/** Every setting of the site for administrators; secrets only say whether they are set. */
const siteSettingsProperties = Object.fromEntries(
  SITE_FIELDS.map((field) => [
    field.kind === 'secret' ? `${apiName(field)}_set` : apiName(field),
    field.kind === 'boolean' || field.kind === 'secret' ? Type.Boolean() : Nullable(Type.String()),
  ]),
);
const SiteSettingsOut = Type.Object(siteSettingsProperties, { $id: 'SiteSettings' });
const SiteSettingsPatch = Type.Object(
  Object.fromEntries(
    SITE_FIELDS.filter((field) => field.key !== 'domain').map((field) => [
      apiName(field),
      Type.Optional(field.kind === 'boolean' ? Type.Boolean() : Nullable(Type.String({ maxLength: 2048 }))),
    ]),
  ),
  { additionalProperties: false },
);

function toSiteSettings(site: Site): Record<string, string | boolean | null> {
  return Object.fromEntries(
    SITE_FIELDS.map((field) =>
      field.kind === 'secret'
        ? [`${apiName(field)}_set`, Boolean(site[field.key])]
        : [apiName(field), site[field.key]],
    ),
  );
}

export function siteAdminRoutes(sites: SitesService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/v2/sites/current/',
      {
        preValidation: requirePermission('config:read'),
        schema: {
          tags: ['sites'],
          summary: 'All settings of the site answering this host',
          response: { 200: SiteSettingsOut },
        },
      },
      async (request) => toSiteSettings(request.site),
    );

    app.patch(
      '/api/v2/sites/current/',
      {
        preValidation: requirePermission('sites:write'),
        schema: {
          tags: ['sites'],
          summary: 'Change settings of the site answering this host (the domain is changed with the CLI)',
          body: SiteSettingsPatch,
          response: { 200: SiteSettingsOut },
        },
      },
      async (request) => {
        const byApiName = new Map(SITE_FIELDS.map((field) => [apiName(field), field.key]));
        const input = Object.fromEntries(
          Object.entries(request.body as Record<string, unknown>).map(([name, value]) => [
            byApiName.get(name) ?? name,
            value,
          ]),
        );
        return toSiteSettings(await sites.update(request.site.domain, input, actorOf(request)));
      },
    );
  };
}
