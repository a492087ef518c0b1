/** Every table, for Drizzle's relational queries and drizzle-kit. Each module owns its own file. */
export * from '../../modules/sites/sites.schema.ts';
export * from '../../modules/users/users.schema.ts';
export * from '../../modules/catalog/catalog.schema.ts';
export * from '../../modules/certificates/certificates.schema.ts';
export * from '../../modules/credentials/credentials.schema.ts';
export * from '../../modules/records/records.schema.ts';
export * from '../../modules/audit/audit.schema.ts';
export * from '../../modules/auth/auth.schema.ts';
export * from '../../modules/webhooks/webhooks.schema.ts';
