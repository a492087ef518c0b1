import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';

/** Ajv's options for every part of a request (the `ajv` option of Fastify); bodies coerce less. */
export const AJV_OPTIONS = {
  customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true },
  plugins: [],
} as const;

const validatorsFrom = AjvCompiler();
type Options = Parameters<typeof validatorsFrom>[1];

/**
 * Validators that coerce as each part of a request needs. Query strings, parameters and headers are
 * text: their numbers and booleans are read from it, and a name given once where a list is expected
 * is a list of one. A body's scalars are coerced as DRF coerces them (`"0.95"` is a number), but a
 * list is never a scalar: `{"username": ["bob"]}` is refused, not read as "bob".
 */
export const buildValidator: typeof validatorsFrom = (externalSchemas, options) => {
  const forText = validatorsFrom(externalSchemas, options);
  const bodyOptions = { ...options, customOptions: { ...options?.customOptions, coerceTypes: true } };
  const forBodies = validatorsFrom(externalSchemas, bodyOptions as Options);
  return (route) => (route.httpPart === 'body' ? forBodies : forText)(route);
};

/**
 * A validator for the items of a bulk request, compiled once: each item is checked, and coerced in
 * place, exactly as the body of its single request would be.
 */
export function bodyItemValidator(schema: TSchema) {
  const compile = buildValidator({}, AJV_OPTIONS as unknown as Options) as FastifySchemaCompiler<TSchema>;
  return compile({ schema, method: 'POST', url: '', httpPart: 'body' }) as ((item: unknown) => boolean) & {
    errors?: unknown[] | null;
  };
}
