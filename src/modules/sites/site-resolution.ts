import type { FastifyInstance } from 'fastify';
import { BadRequestError, NotFoundError } from '../../platform/errors.ts';
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

/** What follows the last colon of a Host header, outside an IPv6 address's brackets. */
const PORT = /:([^:\]]*)$/;

/**
 * Every request belongs to the site named by its Host header (without port). An unknown host gets
 * 404: a request never falls back to another site, so one site's data cannot leak through another's
 * host.
 */
export function registerSiteResolution(app: FastifyInstance, sites: SitesService): void {
  app.decorateRequest('site', null as unknown as Site);
  // A callback hook, with one promise (the lookup's) rather than two: it runs on every request.
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.routeOptions.config?.siteless) return done();
    // Links are made from the Host header (see origin.ts): a port that is not one makes none.
    const port = PORT.exec(request.host)?.[1];
    if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) <= 65_535))
      return done(new BadRequestError('The Host header names an invalid port.'));
    const host = request.hostname.toLowerCase();
    if (!host) return done(new NotFoundError());
    sites.findByDomain(host).then((site) => {
      if (!site) return done(new NotFoundError());
      request.site = site;
      done();
    }, done);
  });
}
