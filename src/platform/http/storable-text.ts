import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route checks the text it is sent itself: bulk endpoints item by item (one bad item must
     * not refuse the others), public pages by their own patterns (anything malformed is their 404).
     */
    checksOwnText?: boolean;
  }
}

/** A NUL, or half of a UTF-16 surrogate pair without the other half. */
const UNSTORABLE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why text holding such a character is refused: DRF's message for NUL, ours for the rest. */
const messageFor = (text: string) =>
  text.includes('\0')
    ? 'Null characters are not allowed.'
    : 'Text must be valid Unicode: this holds half of a surrogate pair.';

/**
 * The first string (or key) in `value` that PostgreSQL cannot store as sent, as a ValidationError
 * naming it by its dotted path (`attributes.0.value`); null when there is none. JSON can carry a NUL
 * and an unpaired surrogate, text columns cannot: PostgreSQL refuses the first and would silently
 * replace the second.
 */
export function unstorableText(value: unknown, path: string[] = []): ValidationError | null {
  if (typeof value === 'string') {
    return UNSTORABLE.test(value)
      ? ValidationError.field(path.join('.') || 'non_field_errors', messageFor(value))
      : null;
  }
  // Only what JSON, forms and query strings make: uploaded bytes are not text.
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return null;
  for (const [key, inner] of Object.entries(value)) {
    if (UNSTORABLE.test(key)) return ValidationError.field([...path, key].join('.'), messageFor(key));
    const found = unstorableText(inner, [...path, key]);
    if (found) return found;
  }
  return null;
}

/**
 * Every request's path parameters, query and body are checked for text PostgreSQL cannot store,
 * after authorization and schema validation, so such a request gets a 400 naming the field instead
 * of failing in the database, unless the route checks them itself (`checksOwnText`).
 */
export function registerStorableTextCheck(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every request, and has nothing to wait for.
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.routeOptions.config?.checksOwnText) return done();
    // Structured bodies only: a raw upload is not text, and its route says what it accepts.
    const body = typeof request.body === 'object' ? request.body : undefined;
    const found = unstorableText(request.params) ?? unstorableText(request.query) ?? unstorableText(body);
    done(found ?? undefined);
  });
}
