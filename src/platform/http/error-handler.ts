import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  BadRequestError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.ts';
import { isOutage } from '../outages.ts';
import { isTransientConflict } from '../db/errors.ts';

interface SchemaIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `/credential/mode` → `credential.mode`; a missing property is named by the issue itself. */
function fieldOf(issue: SchemaIssue, context: string | undefined): string {
  const missing =
    issue.params.missingProperty ?? (issue.params.requiredProperties as string[] | undefined)?.[0];
  const parts = issue.instancePath.split('/').filter(Boolean);
  if (typeof missing === 'string') parts.push(missing);
  if (issue.keyword === 'additionalProperties' && typeof issue.params.additionalProperty === 'string') {
    parts.push(issue.params.additionalProperty);
  }
  return parts.join('.') || (context === 'body' ? 'non_field_errors' : (context ?? 'non_field_errors'));
}

function messageOf(issue: SchemaIssue): string {
  switch (issue.keyword) {
    case 'required':
      return 'This field is required.';
    case 'additionalProperties':
    case 'boolean': // TypeBox's own checker reports an unknown field as `false` schema
      return 'Unknown field.';
    case 'type':
      return `Must be ${String(issue.params.type ?? 'of the right type')}.`;
    case 'maxLength':
      return `Ensure this field has no more than ${String(issue.params.limit)} characters.`;
    case 'minLength':
      return issue.params.limit === 1
        ? 'This field may not be blank.'
        : `Ensure this field has at least ${String(issue.params.limit)} characters.`;
    default: {
      const text = issue.message ?? 'Invalid value.';
      return `${text.charAt(0).toUpperCase()}${text.slice(1)}${text.endsWith('.') ? '' : '.'}`;
    }
  }
}

/** Turns schema validation failures into the DRF shape `{"field": ["message"]}`. */
export function validationErrorFrom(issues: SchemaIssue[], context: string | undefined): ValidationError {
  const fields: Record<string, string[]> = {};
  for (const issue of issues) {
    // TypeBox also lists the unknown fields together; each was already reported on its own.
    if (issue.keyword === 'additionalProperties' && Array.isArray(issue.params.additionalProperties))
      continue;
    const field = fieldOf(issue, context);
    const list = (fields[field] ??= []);
    const message = messageOf(issue);
    if (!list.includes(message)) list.push(message);
  }
  return new ValidationError(fields);
}

function toAppError(error: FastifyError, request: FastifyRequest): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error.validation)
    return validationErrorFrom(error.validation as SchemaIssue[], error.validationContext);
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError(String(request.headers['content-type'] ?? '').slice(0, 100));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new BadRequestError('JSON parse error - the body is empty.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new BadRequestError('JSON parse error - the body is not valid JSON.');
  }
  if (error instanceof SyntaxError || error.statusCode === 400) {
    return new BadRequestError(
      error instanceof SyntaxError ? 'JSON parse error - the body is not valid JSON.' : error.message,
    );
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError(error.statusCode, error.message);
  }
  return undefined;
}

const OUTAGE_MESSAGE = 'A service Laurel needs cannot be reached: try again in a few seconds.';
const OUTAGE_RETRY_SECONDS = 5;
const CONFLICT_MESSAGE = 'The request met another one changing the same data: try again.';
const CONFLICT_RETRY_SECONDS = 1;

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = toAppError(error, request);
    if (!known && isOutage(error)) {
      // PostgreSQL or Redis out of reach: nothing the client did, and worth another try shortly.
      request.log.error({ err: error }, 'service unavailable');
      const unavailable = new ServiceUnavailableError(OUTAGE_MESSAGE, OUTAGE_RETRY_SECONDS);
      return reply.status(503).headers(unavailable.headers).send(unavailable.body());
    }
    if (!known && isTransientConflict(error)) {
      // A deadlock or serialization failure: the database rolled the request back, and the same
      // request will most likely pass on its own.
      request.log.warn({ err: error }, 'transient conflict');
      const conflict = new ServiceUnavailableError(CONFLICT_MESSAGE, CONFLICT_RETRY_SECONDS);
      return reply.status(503).headers(conflict.headers).send(conflict.body());
    }
    if (!known) {
      request.log.error({ err: error }, 'unhandled error');
      return reply.status(500).send({ detail: 'A server error occurred.' });
    }
    if (known.statusCode >= 500) request.log.warn({ err: error }, known.message);
    return reply.status(known.statusCode).headers(known.headers).send(known.body());
  });

  app.setNotFoundHandler((_request, reply) => {
    const error = new NotFoundError();
    return reply.status(404).send(error.body());
  });
}
