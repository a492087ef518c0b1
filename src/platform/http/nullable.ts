import Type, { type Static, type TSchema, type TUnsafe } from 'typebox';

/**
 * `schema` or null, as one JSON Schema type list (`type: ["string", "null"]`) rather than a union.
 * Request validation coerces types (query strings need it), and in a union ajv tries the first branch
 * first, coercing a null to "" or 0 before the null branch is reached; with a type list a null stays
 * null. Responses are serialized from the same schema, so one helper serves both.
 */
export function Nullable<T extends TSchema & { type: string }>(schema: T): TUnsafe<Static<T> | null> {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });
}
