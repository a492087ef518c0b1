import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Liquid } from 'liquidjs';

declare module 'fastify' {
  interface FastifyReply {
    /** Renders `src/web/templates/<template>.liquid` inside the layout as an HTML response. */
    page(template: string, data: Record<string, unknown>, statusCode?: number): Promise<FastifyReply>;
  }
}

export const TEMPLATES_DIR = fileURLToPath(new URL('../../web/templates/', import.meta.url));

/**
 * Liquid for every page: autoescaped output, only own properties of the data visible to templates,
 * and limits on rendering time and size so a bad template cannot hold the server.
 */
export function createLiquid(root = TEMPLATES_DIR): Liquid {
  return new Liquid({
    root,
    extname: '.liquid',
    cache: true,
    outputEscape: 'escape',
    ownPropertyOnly: true,
    strictFilters: true,
    renderLimit: 1000,
    memoryLimit: 16 * 1024 * 1024,
  });
}

/** Data every page gets besides its own (the site, the signed-in user, a CSRF token for forms). */
export type PageContext = (request: FastifyRequest, reply: FastifyReply) => Record<string, unknown>;

export function registerPages(
  app: FastifyInstance,
  context: PageContext,
  liquid: Liquid = createLiquid(),
): void {
  app.decorateReply(
    'page',
    async function page(
      this: FastifyReply,
      template: string,
      data: Record<string, unknown>,
      statusCode = 200,
    ) {
      const html = await liquid.renderFile(template, { ...context(this.request, this), ...data });
      return this.status(statusCode)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(html);
    },
  );
}
