-- The LMS announces course certificates (mode, available date); admins and issuers may (src/modules/users/permissions.ts lists the same).
INSERT INTO "role_permissions" ("role_id", "permission") SELECT "id", 'course-certificates:write' FROM "roles" WHERE "name" IN ('admin', 'issuer');
