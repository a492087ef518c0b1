import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import { requestOrigin } from '../../platform/http/origin.ts';
import { type ShownCredentials, certificateUuid } from '../credentials/shown-credentials.ts';
import type { CertificateCache } from './certificate-cache.ts';
import { EXAMPLE_PROGRAM_TYPES, type ExampleProgramType, exampleCredential } from './certificate-examples.ts';
import { CERTIFICATE_LANGUAGES } from './certificate-messages.ts';
import { type CertificateRenderer, type RenderedCertificate, TemplateError } from './certificate-renderer.ts';
import { certificateUrl, certificateView } from './certificate-view.ts';
import type { TemplatesService } from './templates.service.ts';

const CertificateParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const ExampleQuery = Type.Object(
  {
    kind: Type.Optional(Type.Union([Type.Literal('course-run'), Type.Literal('program')])),
    program_type: Type.Optional(
      Type.Union(Object.keys(EXAMPLE_PROGRAM_TYPES).map((slug) => Type.Literal(slug as ExampleProgramType))),
    ),
    language: Type.Optional(Type.Union(CERTIFICATE_LANGUAGES.map((language) => Type.Literal(language)))),
  },
  { additionalProperties: false },
);

const sendCertificate = (reply: FastifyReply, { html }: RenderedCertificate) =>
  reply.type('text/html; charset=utf-8').send(html);

/**
 * Public certificate pages (`/credentials/{uuid-hex}/`) and the example page. Unknown, revoked,
 * other-site and not-yet-visible credentials answer the same 404, so a page tells nothing about what is
 * hidden. Pages are revalidated on every visit (`no-cache` with an ETag), so a revocation shows at once.
 */
export function certificatePagesRoutes(
  shown: ShownCredentials,
  templates: TemplatesService,
  renderer: CertificateRenderer,
  pages: CertificateCache,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/credentials/:id/',
      { schema: { hide: true, params: CertificateParams } },
      async (request, reply) => {
        const { site } = request;
        const origin = requestOrigin(request);
        const uuid = certificateUuid(request.params.id);
        const rendered =
          uuid &&
          (await pages.page(site.id, origin, uuid, async () => {
            const credential = await shown.findPublic(site, uuid);
            if (!credential) return undefined;
            const view = await certificateView(site, credential, certificateUrl(origin, uuid));
            const parts = await templates.partsFor(site, credential);
            // A stored template that fails on this credential's data must not take the page down with it.
            const page = await renderer.render(view, parts).catch((error: unknown) => {
              if (!(error instanceof TemplateError)) throw error;
              request.log.warn(
                { err: error, templates: [...parts.values()].map((part) => part.uuid) },
                'template failed',
              );
              return renderer.render(view);
            });
            return { ...page, userId: credential.learner.id };
          }));
        if (!rendered) {
          return reply.page(
            'message',
            { title: 'Certificate not found', message: 'There is no certificate at this address.' },
            404,
          );
        }
        reply.header('cache-control', 'no-cache').header('etag', rendered.etag);
        if (request.headers['if-none-match'] === rendered.etag) return reply.code(304).send();
        return sendCertificate(reply, rendered);
      },
    );

    // Sample data in the built-in design, for any kind, program type and language (reference §3.1).
    app.get(
      '/credentials/example/',
      { schema: { hide: true, querystring: ExampleQuery } },
      async (request, reply) => {
        const {
          kind = 'program',
          program_type: programType = 'professional-certificate',
          language,
        } = request.query;
        const credential = exampleCredential(kind, programType);
        credential.config.language = language ?? null;
        const url = `${requestOrigin(request)}${request.url}`;
        const view = await certificateView(request.site, credential, url);
        const rendered = await renderer.render({ ...view, search_indexing: false });
        return sendCertificate(reply.header('cache-control', 'no-store'), rendered);
      },
    );
  };
}
