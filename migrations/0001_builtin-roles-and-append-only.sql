-- Built-in roles (src/modules/users/permissions.ts lists the same; a test compares them).
INSERT INTO "roles" ("name", "description", "built_in") VALUES ('admin', 'Everything on the site.', true);--> statement-breakpoint
INSERT INTO "role_permissions" ("role_id", "permission") SELECT "id", p FROM "roles", unnest(ARRAY['credentials:read', 'credentials:issue', 'credentials:revoke', 'grades:read', 'grades:write', 'config:read', 'config:write', 'catalog:read', 'catalog:sync', 'records:read', 'learner-status:read', 'users:read', 'users:replace', 'audit:read', 'sites:write']) AS p WHERE "name" = 'admin';--> statement-breakpoint
INSERT INTO "roles" ("name", "description", "built_in") VALUES ('support', 'Read-only staff: sees credentials, grades, records, configuration and the audit log.', true);--> statement-breakpoint
INSERT INTO "role_permissions" ("role_id", "permission") SELECT "id", p FROM "roles", unnest(ARRAY['credentials:read', 'grades:read', 'config:read', 'catalog:read', 'records:read', 'learner-status:read', 'users:read', 'audit:read']) AS p WHERE "name" = 'support';--> statement-breakpoint
INSERT INTO "roles" ("name", "description", "built_in") VALUES ('issuer', 'Services that issue and revoke credentials and report grades (the LMS).', true);--> statement-breakpoint
INSERT INTO "role_permissions" ("role_id", "permission") SELECT "id", p FROM "roles", unnest(ARRAY['credentials:read', 'credentials:issue', 'credentials:revoke', 'grades:read', 'grades:write', 'catalog:read', 'learner-status:read']) AS p WHERE "name" = 'issuer';--> statement-breakpoint
-- History tables are append-only: corrections are new rows, never edits.
CREATE FUNCTION "laurel_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_append_only" BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION "laurel_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "credential_events_append_only" BEFORE UPDATE OR DELETE ON "credential_events"
  FOR EACH ROW EXECUTE FUNCTION "laurel_refuse_change"();
