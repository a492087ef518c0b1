import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Site } from './sites.service.ts';

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
