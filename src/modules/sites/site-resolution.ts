import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../platform/errors.ts';
import type { Site, SitesService } from './sites.service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The site whose host the request was sent to; absent only on `siteless` routes. */
    site: Site;
  }
  interface FastifyContextConfig {
    /** The route serves every host the same (health, metrics, API schema). */
    siteless?: boolean;
  }
}

/**
 * Every request belongs to the site named by its Host header (without port). An unknown host gets
 * 404: a request never falls back to another site, so one site's data cannot leak through another's
 * host.
 */
export function registerSiteResolution(app: FastifyInstance, sites: SitesService): void {
  app.decorateRequest('site', null as unknown as Site);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.siteless) return;
    const host = request.hostname.toLowerCase();
    const site = host ? await sites.findByDomain(host) : undefined;
    if (!site) throw new NotFoundError();
    request.site = site;
  });
}
