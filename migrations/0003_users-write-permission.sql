-- Administrators manage users' role assignments (src/modules/users/permissions.ts lists the same).
INSERT INTO "role_permissions" ("role_id", "permission") SELECT "id", 'users:write' FROM "roles" WHERE "name" = 'admin';
