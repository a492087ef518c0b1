import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import { BadRequestError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { registerErrorHandling } from './error-handler.ts';
import { registerStorableTextCheck } from './storable-text.ts';
import { AJV_OPTIONS, buildValidator } from './validators.ts';

export interface ServerOptions {
  logger: Logger;
  metrics: Metrics;
  bodyLimit: number;
  trustProxy: boolean;
  publicUrl: string;
  version: string;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** Pages get a strict policy: nothing from elsewhere, no inline script, no framing. */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  baseUri: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
};

/**
 * The headers helmet sets, worked out once: they are the same for every response, and helmet's
 * middleware (as @fastify/helmet runs it) would set them one by one on each.
 */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers = new Map<string, string>();
  const response = {
    setHeader: (name: string, value: unknown) => headers.set(name.toLowerCase(), String(value)),
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return Object.fromEntries(headers);
}

/** The Fastify instance with the platform's cross-cutting behaviour; domain routes are added after. */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit,
    trustProxy: options.trustProxy,
    // A caller's request id is kept when it looks like one, so logs can be joined across services.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 500 },
    // One line per request, written when it is answered (below), instead of Fastify's two; errors
    // are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: AJV_OPTIONS as unknown as FastifyServerOptions['ajv'],
    schemaController: { compilersFactory: { buildValidator } },
    // Errors the router raises before any route runs (a path that does not decode), in our shape.
    frameworkErrors: (error, _request, reply) => {
      const malformed = new BadRequestError(`The request's address is malformed: ${error.message}`);
      (reply as unknown as FastifyReply).status(400).send(malformed.body());
    },
  }) as unknown as FastifyInstance;

  app.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    options.metrics.httpRequests.inc(labels);
    options.metrics.httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
    request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    done();
  });

  registerErrorHandling(app);
  registerStorableTextCheck(app);

  const securityHeaders = helmetHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    crossOriginEmbedderPolicy: false,
    hsts: options.publicUrl.startsWith('https:') ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  });
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(securityHeaders).header('x-request-id', request.id);
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Laurel API',
        version: options.version,
        description:
          'Credentials, grades and records. The /api/v2/ credential endpoints are wire-compatible with the Open edX Credentials service.',
      },
      servers: [{ url: options.publicUrl }],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    uiConfig: { docExpansion: 'list', deepLinking: true },
    uiHooks: {},
  });
  app.get('/api/schema/', { config: { siteless: true }, schema: { hide: true } }, async () => app.swagger());

  return app;
}
