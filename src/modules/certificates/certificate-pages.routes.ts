import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { notModified, strongEtag } from '../../platform/http/conditional.ts';
import { requestOrigin } from '../../platform/http/origin.ts';
import {
  type PublicCredential,
  type ShownCredentials,
  certificateUuid,
} from '../credentials/shown-credentials.ts';
import type { AssetsService } from './assets.service.ts';
import type { CertificateCache, CertificatePage } from './certificate-cache.ts';
import { EXAMPLE_PROGRAM_TYPES, type ExampleProgramType, exampleCredential } from './certificate-examples.ts';
import { CERTIFICATE_LANGUAGES } from './certificate-messages.ts';
import type { PdfPrinter } from './certificate-pdf.ts';
import { type CertificateRenderer, TemplateError } from './certificate-renderer.ts';
import { OWNER_BANNER_SLOT, shareLinks } from './certificate-sharing.ts';
import { type CertificateView, certificateLinks, certificateView, pageOnly } from './certificate-view.ts';
import type { SocialCards } from './social-card.ts';
import type { TemplatesService } from './templates.service.ts';

/** Certificate ids are checked by their own pattern: anything else, a NUL included, is the 404 page. */
const PUBLIC_PAGE = { checksOwnText: true };
// Any id up to the router's limit: one that names no certificate gets the 404 page, whatever its length.
const CertificateParams = Type.Object({ id: Type.String() });
const PdfQuery = Type.Object(
  { paper: Type.Optional(Type.Union([Type.Literal('a4'), Type.Literal('letter')])) },
  { additionalProperties: false },
);
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

export interface CertificatePagesDeps {
  shown: ShownCredentials;
  templates: TemplatesService;
  renderer: CertificateRenderer;
  pages: CertificateCache;
  cards: SocialCards;
  printer: PdfPrinter;
  assets: AssetsService;
}

const notFound = (reply: FastifyReply) =>
  reply.page(
    'message',
    { title: 'Certificate not found', message: 'There is no certificate at this address.' },
    404,
  );

/**
 * Public certificate pages (`/credentials/{uuid-hex}/`), their social card and PDF, and the example
 * page. Unknown, revoked, other-site and not-yet-visible credentials answer the same 404, so a page
 * tells nothing about what is hidden. Pages are revalidated on every visit (`no-cache` with an ETag),
 * so a revocation shows at once.
 */
export function certificatePagesRoutes(deps: CertificatePagesDeps): FastifyPluginAsyncTypebox {
  const { shown, templates, renderer, pages, cards, printer, assets } = deps;

  /**
   * The credential's view, for the page and its card, when the public may see it. `siteToken`: the
   * site's certificates change token, when the caller has read it already.
   */
  async function publicView(request: FastifyRequest, uuid: string, siteToken?: string) {
    const credential = await shown.findPublic(request.site, uuid, siteToken);
    if (!credential) return undefined;
    const links = certificateLinks(requestOrigin(request), uuid, printer.available);
    return { credential, view: certificateView(request.site, credential, links) };
  }

  /** Renders with the site's templates; a stored template that fails on this data gives way to the built-in design. */
  async function render(
    request: FastifyRequest,
    credential: PublicCredential,
    view: CertificateView,
    siteToken?: string,
  ) {
    const parts = await templates.partsFor(request.site, credential, siteToken);
    return renderer.render(view, parts).catch((error: unknown) => {
      if (!(error instanceof TemplateError)) throw error;
      request.log.warn(
        { err: error, templates: [...parts.values()].map((part) => part.uuid) },
        'template failed',
      );
      return renderer.render(view);
    });
  }

  /** The page as cached, or rendered now. */
  function certificatePage(request: FastifyRequest, uuid: string): Promise<CertificatePage | undefined> {
    const { site } = request;
    return pages.page(site, requestOrigin(request), uuid, async (siteToken) => {
      const found = await publicView(request, uuid, siteToken);
      if (!found) return undefined;
      const { credential, view } = found;
      return { ...(await render(request, credential, view, siteToken)), userId: credential.learner.id };
    });
  }

  /**
   * The page with the sharing banner, for the signed-in learner it belongs to: private, and put
   * together only when asked for, since few visitors are the owner.
   */
  async function ownerCopy(
    request: FastifyRequest,
    reply: FastifyReply,
    uuid: string,
    page: CertificatePage,
  ) {
    const found = await publicView(request, uuid);
    if (!found) return notFound(reply);
    const banner = await renderer.renderOwnerBanner(found.view, shareLinks(request.site, found.view));
    // Its own validator: the banner changes with the site's sharing switches, not only with the page.
    const etag = strongEtag(page.etag, banner);
    reply.header('cache-control', 'private, no-cache').header('etag', etag);
    if (notModified(request, etag)) return reply.code(304).send();
    // A function, so that `$` in the learner's name is not read as a replacement pattern.
    const html = page.body.toString().replace(OWNER_BANNER_SLOT, () => banner);
    return reply.type('text/html; charset=utf-8').send(html);
  }

  return async (app) => {
    // A shared link that lost its trailing slash still leads to the certificate (or the 404 page),
    // never to a JSON error. Only a certificate id is redirected: nothing else is echoed back.
    app.get(
      '/credentials/:id',
      { config: PUBLIC_PAGE, schema: { hide: true, params: CertificateParams } },
      async (request, reply) => {
        const { id } = request.params;
        if (!certificateUuid(id)) return notFound(reply);
        return reply.redirect(`/credentials/${id}/`, 301);
      },
    );

    app.get(
      '/credentials/:id/',
      { config: PUBLIC_PAGE, schema: { hide: true, params: CertificateParams } },
      async (request, reply) => {
        const uuid = certificateUuid(request.params.id);
        const page = uuid && (await certificatePage(request, uuid));
        if (!page) return notFound(reply);
        if (request.principal?.userId === page.userId) return ownerCopy(request, reply, uuid, page);
        reply.header('cache-control', 'no-cache').header('etag', page.etag);
        if (notModified(request, page.etag)) return reply.code(304).send();
        return reply.type('text/html; charset=utf-8').send(page.body);
      },
    );

    app.get(
      '/credentials/:id/card.png',
      { config: PUBLIC_PAGE, schema: { hide: true, params: CertificateParams } },
      async (request, reply) => {
        const uuid = certificateUuid(request.params.id);
        const found = uuid && (await publicView(request, uuid));
        if (!found) return notFound(reply);
        const card = await cards.png(found.view);
        reply.header('cache-control', 'no-cache').header('etag', card.etag);
        if (notModified(request, card.etag)) return reply.code(304).send();
        return reply.type('image/png').send(card.bytes);
      },
    );

    app.get(
      '/credentials/:id/pdf',
      { config: PUBLIC_PAGE, schema: { hide: true, params: CertificateParams, querystring: PdfQuery } },
      async (request, reply) => {
        const uuid = certificateUuid(request.params.id);
        const page = uuid && (await certificatePage(request, uuid));
        if (!page) return notFound(reply);
        const paper = request.query.paper === 'letter' ? 'Letter' : 'A4';
        const printed = { html: page.body.toString(), etag: page.etag };
        const pdf = await printer.pdf(printed, paper, {
          async image(sha256) {
            const found = await assets.content(request.site, sha256);
            return found && { bytes: found.bytes, contentType: found.asset.contentType };
          },
          log: request.log,
          signal: request.signal,
        });
        return reply
          .type('application/pdf')
          .header('cache-control', 'no-cache')
          .header('content-disposition', `inline; filename="certificate-${request.params.id}.pdf"`)
          .send(pdf);
      },
    );

    // A real configuration with the signed-in staff member as its learner, dated now, in the site's templates.
    app.get(
      '/credentials/example/:config/',
      { schema: { hide: true, params: Type.Object({ config: Type.String({ maxLength: 64 }) }) } },
      async (request, reply) => {
        const { principal } = request;
        if (!principal) return reply.redirect(`/login/?next=${encodeURIComponent(request.url)}`, 302);
        if (!principal.permissions.has('config:read')) {
          const message = 'Previews of certificate configurations are for staff.';
          return reply.page('message', { title: 'Not allowed', message }, 403);
        }
        const credential = await shown.previewConfig(request.site, request.params.config, principal.userId);
        if (!credential) return notFound(reply);
        const links = pageOnly(`${requestOrigin(request)}${request.url}`);
        const view = certificateView(request.site, credential, links);
        const { body } = await render(request, credential, { ...view, search_indexing: false });
        return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);
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
        const links = pageOnly(`${requestOrigin(request)}${request.url}`);
        const view = certificateView(request.site, credential, links);
        const { body } = await renderer.render({ ...view, search_indexing: false });
        return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);
      },
    );
  };
}
