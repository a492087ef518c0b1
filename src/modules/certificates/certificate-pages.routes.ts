import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { requestOrigin } from '../../platform/http/origin.ts';
import type { ShownCredentials } from '../credentials/shown-credentials.ts';
import type { CertificateRenderer } from './certificate-renderer.ts';
import { certificateView } from './certificate-view.ts';

const CertificateParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/**
 * Public certificate pages (`/credentials/{uuid-hex}/`). Unknown, revoked, other-site and
 * not-yet-visible credentials answer the same 404, so a page tells nothing about what is hidden.
 * Pages are revalidated on every visit (`no-cache` with an ETag), so a revocation shows at once.
 */
export function certificatePagesRoutes(
  shown: ShownCredentials,
  renderer: CertificateRenderer,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/credentials/:id/',
      { schema: { hide: true, params: CertificateParams } },
      async (request, reply) => {
        const credential = await shown.findPublic(request.site, request.params.id);
        if (!credential) {
          return reply.page(
            'message',
            {
              title: 'Certificate not found',
              message: 'There is no certificate at this address.',
            },
            404,
          );
        }
        const view = await certificateView(request.site, requestOrigin(request), credential);
        const { html, etag } = await renderer.render(view);
        reply.header('cache-control', 'no-cache').header('etag', etag);
        if (request.headers['if-none-match'] === etag) return reply.code(304).send();
        return reply.type('text/html; charset=utf-8').send(html);
      },
    );
  };
}
