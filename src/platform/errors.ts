/**
 * Errors a request can end in. Each maps to the shape Django REST Framework gives, because the
 * Open edX clients Laurel serves were written against it: `{"detail": "…"}` for most statuses and
 * `{"field": ["message"]}` for validation.
 */
export type ErrorBody = { detail: string } | Record<string, string[] | Record<string, unknown>>;

export class AppError extends Error {
  readonly statusCode: number;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = new.target.name;
    this.statusCode = statusCode;
    this.headers = headers;
  }

  body(): ErrorBody {
    return { detail: this.message };
  }
}

/** 400 with per-field messages: `{"username": ["This field is required."]}`. */
/** Messages per field; a nested object (`{"credential": {"mode": [...]}}`) for fields of a sub-object. */
export type FieldErrors = Record<string, string[] | Record<string, string[]>>;

export class ValidationError extends AppError {
  readonly fields: FieldErrors;

  constructor(fields: FieldErrors) {
    const summary = Object.entries(fields)
      .map(
        ([field, messages]) =>
          `${field}: ${Array.isArray(messages) ? messages.join(' ') : JSON.stringify(messages)}`,
      )
      .join('; ');
    super(400, summary || 'Invalid input.');
    this.fields = fields;
  }

  static field(field: string, message: string): ValidationError {
    return new ValidationError({ [field]: [message] });
  }

  /** An error about a field of a sub-object, as DRF reports nested serializers. */
  static nested(field: string, subfield: string, message: string): ValidationError {
    return new ValidationError({ [field]: { [subfield]: [message] } });
  }

  override body(): ErrorBody {
    return this.fields;
  }
}

/** 400 for requests that are malformed as a whole (unparseable JSON, wrong content type). */
export class BadRequestError extends AppError {
  constructor(message: string) {
    super(400, message);
  }
}

export class AuthenticationError extends AppError {
  constructor(message = 'Authentication credentials were not provided.', scheme = 'JWT realm="api"') {
    super(401, message, { 'www-authenticate': scheme });
  }
}

export class PermissionDeniedError extends AppError {
  constructor(message = 'You do not have permission to perform this action.') {
    super(403, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found.') {
    super(404, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = 'Request body is too large.') {
    super(413, message);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(contentType: string) {
    super(415, `Unsupported media type "${contentType}" in request.`);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(429, `Request was throttled. Expected available in ${retryAfterSeconds} seconds.`, {
      'retry-after': String(retryAfterSeconds),
    });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message = 'Service temporarily unavailable, try again later.', retryAfterSeconds?: number) {
    super(503, message, retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) });
  }
}

/** Failures in a command-line or job context that should print a clear message rather than a stack. */
export class OperationalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperationalError';
  }
}
