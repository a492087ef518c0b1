import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { UnsupportedMediaTypeError } from '../../platform/errors.ts';
import { drfDate } from '../../platform/http/formats.ts';
import { PageQuery, Paginated, pageOf, paginated } from '../../platform/http/pagination.ts';
import { actorOf } from '../auth/actor.ts';
import { requirePermission } from '../auth/authorize.ts';
import type { Asset } from './assets.repository.ts';
import { assetPath } from './asset-path.ts';
import type { AssetsService } from './assets.service.ts';
import { MAX_IMAGE_BYTES } from './images.ts';
import { notModified } from '../../platform/http/conditional.ts';

/** Upload content types; the content itself decides what the file is. */
const UPLOAD_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/svg+xml', 'application/octet-stream'];
/** Served assets may not run anything, even if a browser were talked into reading one as a page. */
const ASSET_POLICY = "default-src 'none'; sandbox";

const AssetOut = Type.Object(
  {
    uuid: Type.String(),
    url: Type.String(),
    sha256: Type.String(),
    content_type: Type.String(),
    byte_size: Type.Integer(),
    width: Type.Union([Type.Integer(), Type.Null()]),
    height: Type.Union([Type.Integer(), Type.Null()]),
    original_name: Type.String(),
    created: Type.String(),
  },
  { $id: 'Asset' },
);
const UuidParams = Type.Object({ uuid: Type.String({ maxLength: 64 }) });

const assetOut = (asset: Asset) => ({
  uuid: asset.uuid,
  url: assetPath(asset.sha256),
  sha256: asset.sha256,
  content_type: asset.contentType,
  byte_size: asset.byteSize,
  width: asset.width,
  height: asset.height,
  original_name: asset.originalName,
  created: drfDate(asset.createdAt),
});

/** Images of the site: the admin API (`/api/v2/assets/`) and public serving (`/assets/{sha256}`). */
export function assetsRoutes(service: AssetsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addContentTypeParser(
      UPLOAD_TYPES,
      { parseAs: 'buffer', bodyLimit: MAX_IMAGE_BYTES },
      (_request, body, done) => done(null, body),
    );

    app.get(
      '/api/v2/assets/',
      {
        preValidation: requirePermission('config:read'),
        schema: {
          tags: ['certificates'],
          summary: 'Images uploaded to this site, newest first',
          querystring: Type.Object(PageQuery.properties, { additionalProperties: false }),
          response: { 200: Paginated(AssetOut) },
        },
      },
      async (request) => {
        const page = pageOf(request.query);
        const { count, rows } = await service.list(request.site, page);
        return paginated(request, page, count, rows.map(assetOut));
      },
    );

    app.post(
      '/api/v2/assets/',
      {
        preValidation: requirePermission('config:write'),
        schema: {
          tags: ['certificates'],
          summary: 'Upload an image (PNG, JPEG, WebP; SVG is rasterized) as the raw request body',
          querystring: Type.Object(
            {
              name: Type.Optional(
                Type.String({ maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f/\\\\]*$' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: AssetOut, 201: AssetOut },
        },
      },
      async (request, reply) => {
        // The image itself is the body; JSON or a form is not an upload.
        if (!Buffer.isBuffer(request.body))
          throw new UnsupportedMediaTypeError(request.headers['content-type'] ?? 'none');
        const { asset, created } = await service.upload(
          request.site,
          request.body,
          request.query.name ?? '',
          actorOf(request),
        );
        return reply.status(created ? 201 : 200).send(assetOut(asset));
      },
    );

    app.get(
      '/api/v2/assets/:uuid/',
      {
        preValidation: requirePermission('config:read'),
        schema: {
          tags: ['certificates'],
          summary: 'One image',
          params: UuidParams,
          response: { 200: AssetOut },
        },
      },
      async (request) => assetOut(await service.get(request.site, request.params.uuid)),
    );

    app.delete(
      '/api/v2/assets/:uuid/',
      {
        preValidation: requirePermission('config:write'),
        schema: {
          tags: ['certificates'],
          summary: 'Delete an image nothing shows (409 otherwise)',
          params: UuidParams,
        },
      },
      async (request, reply) => {
        await service.delete(request.site, request.params.uuid, actorOf(request));
        return reply.status(204).send();
      },
    );

    app.get(
      '/assets/:sha256',
      { schema: { hide: true, params: Type.Object({ sha256: Type.String({ maxLength: 64 }) }) } },
      async (request, reply) => {
        const found = await service.content(request.site, request.params.sha256);
        if (!found) return reply.status(404).type('text/plain; charset=utf-8').send('Not found.');
        const etag = `"${found.asset.sha256}"`;
        reply
          .header('cache-control', 'public, max-age=31536000, immutable')
          .header('etag', etag)
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', ASSET_POLICY)
          .header('cross-origin-resource-policy', 'same-site');
        if (notModified(request, etag)) return reply.status(304).send();
        return reply.type(found.asset.contentType).send(found.bytes);
      },
    );
  };
}
