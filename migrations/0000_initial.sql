CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"site_id" bigint,
	"actor_user_id" bigint,
	"actor_label" varchar(150) NOT NULL,
	"source" varchar(32) NOT NULL,
	"action" varchar(64) NOT NULL,
	"target_type" varchar(64) NOT NULL,
	"target_id" varchar(64) NOT NULL,
	"changes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"request_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "course_owners" (
	"course_id" bigint NOT NULL,
	"organization_id" bigint NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "course_owners_course_id_organization_id_pk" PRIMARY KEY("course_id","organization_id")
);
--> statement-breakpoint
CREATE TABLE "course_runs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "course_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"site_id" bigint NOT NULL,
	"course_id" bigint NOT NULL,
	"uuid" uuid NOT NULL,
	"key" varchar(255) NOT NULL,
	"title_override" varchar(255),
	"start_date" timestamp with time zone,
	"end_date" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "courses" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "courses_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"site_id" bigint NOT NULL,
	"uuid" uuid NOT NULL,
	"key" varchar(255) NOT NULL,
	"title" varchar(255) DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "organizations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"site_id" bigint NOT NULL,
	"uuid" uuid NOT NULL,
	"key" varchar(255) NOT NULL,
	"name" varchar(255) DEFAULT '' NOT NULL,
	"certificate_logo_image_url" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pathway_programs" (
	"pathway_id" bigint NOT NULL,
	"program_id" bigint NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "pathway_programs_pathway_id_program_id_pk" PRIMARY KEY("pathway_id","program_id")
);
--> statement-breakpoint
CREATE TABLE "pathways" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pathways_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"site_id" bigint NOT NULL,
	"uuid" uuid NOT NULL,
	"name" varchar(255) NOT NULL,
	"org_name" varchar(255) DEFAULT '' NOT NULL,
	"email" varchar(254) DEFAULT '' NOT NULL,
	"pathway_type" varchar(32) DEFAULT 'credit' NOT NULL,
	"status" varchar(24) DEFAULT 'published' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "program_authoring_organizations" (
	"program_id" bigint NOT NULL,
	"organization_id" bigint NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "program_authoring_organizations_program_id_organization_id_pk" PRIMARY KEY("program_id","organization_id")
);
--> statement-breakpoint
CREATE TABLE "program_course_runs" (
	"program_id" bigint NOT NULL,
	"course_run_id" bigint NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "program_course_runs_program_id_course_run_id_pk" PRIMARY KEY("program_id","course_run_id")
);
--> statement-breakpoint
CREATE TABLE "programs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "programs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"site_id" bigint NOT NULL,
	"uuid" uuid NOT NULL,
	"title" varchar(255) NOT NULL,
	"type" varchar(64) DEFAULT '' NOT NULL,
	"type_slug" varchar(64) DEFAULT '' NOT NULL,
	"status" varchar(24) DEFAULT 'active' NOT NULL,
	"total_hours_of_effort" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "assets" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "assets_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"uuid" uuid NOT NULL,
	"site_id" bigint NOT NULL,
	"sha256" varchar(64) NOT NULL,
	"content_type" varchar(100) NOT NULL,
	"byte_size" integer NOT NULL,
	"width" integer,
	"height" integer,
	"original_name" varchar(255) DEFAULT '' NOT NULL,
	"storage_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "assets_uuid_unique" UNIQUE("uuid"),
	CONSTRAINT "assets_sha256_hex" CHECK ("assets"."sha256" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "template_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "template_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"template_id" bigint NOT NULL,
	"version" integer NOT NULL,
	"body" text NOT NULL,
	"created_by_user_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "templates" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "templates_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"uuid" uuid NOT NULL,
	"site_id" bigint NOT NULL,
	"part" varchar(32) NOT NULL,
	"scope" varchar(32) NOT NULL,
	"scope_key" varchar(255) DEFAULT '' NOT NULL,
	"name" varchar(255) DEFAULT '' NOT NULL,
	"current_version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "templates_uuid_unique" UNIQUE("uuid")
);
--> statement-breakpoint
CREATE TABLE "credential_config_signatories" (
	"config_id" bigint NOT NULL,
	"signatory_id" bigint NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "credential_config_signatories_config_id_signatory_id_pk" PRIMARY KEY("config_id","signatory_id")
);
--> statement-breakpoint
CREATE TABLE "credential_configs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "credential_configs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"uuid" uuid NOT NULL,
	"site_id" bigint NOT NULL,
	"kind" varchar(32) NOT NULL,
	"program_id" bigint,
	"course_run_key" varchar(255),
	"course_run_id" bigint,
	"mode" varchar(32),
	"is_active" boolean DEFAULT true NOT NULL,
	"title" varchar(255),
	"language" varchar(16),
	"use_org_name" boolean DEFAULT false NOT NULL,
	"include_hours_of_effort" boolean DEFAULT false NOT NULL,
	"certificate_available_date" timestamp with time zone,
	"display_options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credential_configs_uuid_unique" UNIQUE("uuid"),
	CONSTRAINT "credential_configs_subject" CHECK (("credential_configs"."kind" = 'program' AND "credential_configs"."program_id" IS NOT NULL AND "credential_configs"."course_run_key" IS NULL AND "credential_configs"."mode" IS NULL)
       OR ("credential_configs"."kind" = 'course-run' AND "credential_configs"."program_id" IS NULL AND "credential_configs"."course_run_key" IS NOT NULL AND "credential_configs"."mode" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "credential_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "credential_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"site_id" bigint NOT NULL,
	"user_credential_id" bigint NOT NULL,
	"type" varchar(32) NOT NULL,
	"from_status" varchar(16),
	"to_status" varchar(16) NOT NULL,
	"actor_user_id" bigint,
	"source" varchar(32) NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signatories" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "signatories_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"uuid" uuid NOT NULL,
	"site_id" bigint NOT NULL,
	"name" varchar(255) NOT NULL,
	"title" varchar(255) DEFAULT '' NOT NULL,
	"organization_name_override" varchar(255),
	"image_asset_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "signatories_uuid_unique" UNIQUE("uuid")
);
--> statement-breakpoint
CREATE TABLE "user_credential_attributes" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "user_credential_attributes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"user_credential_id" bigint NOT NULL,
	"name" varchar(255) NOT NULL,
	"value" varchar(255) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_credentials" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "user_credentials_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"uuid" uuid NOT NULL,
	"site_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"config_id" bigint NOT NULL,
	"status" varchar(16) DEFAULT 'awarded' NOT NULL,
	"awarded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoke_reason" text,
	"date_override" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_credentials_uuid_unique" UNIQUE("uuid"),
	CONSTRAINT "user_credentials_revocation" CHECK (("user_credentials"."status" = 'revoked') = ("user_credentials"."revoked_at" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "grades" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "grades_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"site_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"course_run_id" bigint NOT NULL,
	"letter_grade" varchar(255) DEFAULT '' NOT NULL,
	"percent_grade" numeric(5, 4) NOT NULL,
	"verified" boolean DEFAULT true NOT NULL,
	"lms_last_updated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pathway_sends" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pathway_sends_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"site_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"pathway_id" bigint NOT NULL,
	"program_id" bigint NOT NULL,
	"status" varchar(16) NOT NULL,
	"send_count" integer DEFAULT 1 NOT NULL,
	"last_sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "record_shares" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "record_shares_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"uuid" uuid NOT NULL,
	"site_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"program_id" bigint NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "record_shares_uuid_unique" UNIQUE("uuid")
);
--> statement-breakpoint
CREATE TABLE "sites" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "sites_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"domain" varchar(253) NOT NULL,
	"name" varchar(255) NOT NULL,
	"platform_name" varchar(255) DEFAULT '' NOT NULL,
	"company_name" varchar(255) DEFAULT '' NOT NULL,
	"lms_url" text,
	"catalog_api_url" text,
	"oauth_client_id" varchar(255),
	"oauth_client_secret" text,
	"theme" varchar(100) DEFAULT 'default' NOT NULL,
	"homepage_url" text,
	"tos_url" text,
	"privacy_policy_url" text,
	"certificate_help_url" text,
	"records_help_url" text,
	"sender_address" varchar(254),
	"default_language" varchar(16) DEFAULT 'en' NOT NULL,
	"records_enabled" boolean DEFAULT true NOT NULL,
	"enable_linkedin_sharing" boolean DEFAULT true NOT NULL,
	"enable_twitter_sharing" boolean DEFAULT true NOT NULL,
	"enable_facebook_sharing" boolean DEFAULT false NOT NULL,
	"facebook_app_id" varchar(32),
	"twitter_username" varchar(15),
	"search_indexing" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "role_permissions" (
	"role_id" bigint NOT NULL,
	"permission" varchar(64) NOT NULL,
	CONSTRAINT "role_permissions_role_id_permission_pk" PRIMARY KEY("role_id","permission")
);
--> statement-breakpoint
CREATE TABLE "roles" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "roles_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"name" varchar(64) NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"built_in" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "roles_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "user_roles" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "user_roles_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"site_id" bigint,
	"user_id" bigint NOT NULL,
	"role_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_roles_site_user_role_key" UNIQUE NULLS NOT DISTINCT("site_id","user_id","role_id")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "users_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"username" varchar(150) NOT NULL,
	"lms_user_id" integer,
	"email" varchar(254) DEFAULT '' NOT NULL,
	"full_name" varchar(255) DEFAULT '' NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"password_hash" text,
	"last_login_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_owners" ADD CONSTRAINT "course_owners_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_owners" ADD CONSTRAINT "course_owners_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_runs" ADD CONSTRAINT "course_runs_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_runs" ADD CONSTRAINT "course_runs_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "courses" ADD CONSTRAINT "courses_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pathway_programs" ADD CONSTRAINT "pathway_programs_pathway_id_pathways_id_fk" FOREIGN KEY ("pathway_id") REFERENCES "public"."pathways"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pathway_programs" ADD CONSTRAINT "pathway_programs_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pathways" ADD CONSTRAINT "pathways_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "program_authoring_organizations" ADD CONSTRAINT "program_authoring_organizations_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "program_authoring_organizations" ADD CONSTRAINT "program_authoring_organizations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "program_course_runs" ADD CONSTRAINT "program_course_runs_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "program_course_runs" ADD CONSTRAINT "program_course_runs_course_run_id_course_runs_id_fk" FOREIGN KEY ("course_run_id") REFERENCES "public"."course_runs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "programs" ADD CONSTRAINT "programs_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assets" ADD CONSTRAINT "assets_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "template_versions" ADD CONSTRAINT "template_versions_template_id_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."templates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "template_versions" ADD CONSTRAINT "template_versions_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "templates" ADD CONSTRAINT "templates_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_config_signatories" ADD CONSTRAINT "credential_config_signatories_config_id_credential_configs_id_fk" FOREIGN KEY ("config_id") REFERENCES "public"."credential_configs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_config_signatories" ADD CONSTRAINT "credential_config_signatories_signatory_id_signatories_id_fk" FOREIGN KEY ("signatory_id") REFERENCES "public"."signatories"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_configs" ADD CONSTRAINT "credential_configs_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_configs" ADD CONSTRAINT "credential_configs_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_configs" ADD CONSTRAINT "credential_configs_course_run_id_course_runs_id_fk" FOREIGN KEY ("course_run_id") REFERENCES "public"."course_runs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_events" ADD CONSTRAINT "credential_events_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_events" ADD CONSTRAINT "credential_events_user_credential_id_user_credentials_id_fk" FOREIGN KEY ("user_credential_id") REFERENCES "public"."user_credentials"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_events" ADD CONSTRAINT "credential_events_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signatories" ADD CONSTRAINT "signatories_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signatories" ADD CONSTRAINT "signatories_image_asset_id_assets_id_fk" FOREIGN KEY ("image_asset_id") REFERENCES "public"."assets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_credential_attributes" ADD CONSTRAINT "user_credential_attributes_user_credential_id_user_credentials_id_fk" FOREIGN KEY ("user_credential_id") REFERENCES "public"."user_credentials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_credentials" ADD CONSTRAINT "user_credentials_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_credentials" ADD CONSTRAINT "user_credentials_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_credentials" ADD CONSTRAINT "user_credentials_config_id_credential_configs_id_fk" FOREIGN KEY ("config_id") REFERENCES "public"."credential_configs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grades" ADD CONSTRAINT "grades_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grades" ADD CONSTRAINT "grades_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grades" ADD CONSTRAINT "grades_course_run_id_course_runs_id_fk" FOREIGN KEY ("course_run_id") REFERENCES "public"."course_runs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pathway_sends" ADD CONSTRAINT "pathway_sends_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pathway_sends" ADD CONSTRAINT "pathway_sends_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pathway_sends" ADD CONSTRAINT "pathway_sends_pathway_id_pathways_id_fk" FOREIGN KEY ("pathway_id") REFERENCES "public"."pathways"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pathway_sends" ADD CONSTRAINT "pathway_sends_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "record_shares" ADD CONSTRAINT "record_shares_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "record_shares" ADD CONSTRAINT "record_shares_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "record_shares" ADD CONSTRAINT "record_shares_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "role_permissions" ADD CONSTRAINT "role_permissions_role_id_roles_id_fk" FOREIGN KEY ("role_id") REFERENCES "public"."roles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_role_id_roles_id_fk" FOREIGN KEY ("role_id") REFERENCES "public"."roles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_site_id_created_at_index" ON "audit_log" USING btree ("site_id","created_at");--> statement-breakpoint
CREATE INDEX "audit_log_target_type_target_id_index" ON "audit_log" USING btree ("target_type","target_id");--> statement-breakpoint
CREATE INDEX "course_owners_organization_id_index" ON "course_owners" USING btree ("organization_id");--> statement-breakpoint
CREATE UNIQUE INDEX "course_runs_site_uuid_key" ON "course_runs" USING btree ("site_id","uuid");--> statement-breakpoint
CREATE UNIQUE INDEX "course_runs_site_key_key" ON "course_runs" USING btree ("site_id","key");--> statement-breakpoint
CREATE INDEX "course_runs_course_id_index" ON "course_runs" USING btree ("course_id");--> statement-breakpoint
CREATE UNIQUE INDEX "courses_site_uuid_key" ON "courses" USING btree ("site_id","uuid");--> statement-breakpoint
CREATE INDEX "courses_site_id_key_index" ON "courses" USING btree ("site_id","key");--> statement-breakpoint
CREATE UNIQUE INDEX "organizations_site_uuid_key" ON "organizations" USING btree ("site_id","uuid");--> statement-breakpoint
CREATE INDEX "organizations_site_id_key_index" ON "organizations" USING btree ("site_id","key");--> statement-breakpoint
CREATE INDEX "pathway_programs_program_id_index" ON "pathway_programs" USING btree ("program_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pathways_site_uuid_key" ON "pathways" USING btree ("site_id","uuid");--> statement-breakpoint
CREATE INDEX "program_authoring_organizations_organization_id_index" ON "program_authoring_organizations" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "program_course_runs_course_run_id_index" ON "program_course_runs" USING btree ("course_run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "programs_site_uuid_key" ON "programs" USING btree ("site_id","uuid");--> statement-breakpoint
CREATE INDEX "programs_site_id_type_slug_index" ON "programs" USING btree ("site_id","type_slug");--> statement-breakpoint
CREATE UNIQUE INDEX "assets_site_sha256_key" ON "assets" USING btree ("site_id","sha256");--> statement-breakpoint
CREATE INDEX "assets_site_id_created_at_index" ON "assets" USING btree ("site_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "template_versions_template_version_key" ON "template_versions" USING btree ("template_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "templates_site_part_scope_key" ON "templates" USING btree ("site_id","part","scope","scope_key");--> statement-breakpoint
CREATE INDEX "credential_config_signatories_signatory_id_index" ON "credential_config_signatories" USING btree ("signatory_id");--> statement-breakpoint
CREATE UNIQUE INDEX "credential_configs_program_key" ON "credential_configs" USING btree ("site_id","program_id") WHERE "credential_configs"."kind" = 'program';--> statement-breakpoint
CREATE UNIQUE INDEX "credential_configs_course_run_mode_key" ON "credential_configs" USING btree ("site_id","course_run_key","mode") WHERE "credential_configs"."kind" = 'course-run';--> statement-breakpoint
CREATE INDEX "credential_configs_course_run_id_index" ON "credential_configs" USING btree ("course_run_id");--> statement-breakpoint
CREATE INDEX "credential_events_user_credential_id_created_at_index" ON "credential_events" USING btree ("user_credential_id","created_at");--> statement-breakpoint
CREATE INDEX "credential_events_site_id_created_at_index" ON "credential_events" USING btree ("site_id","created_at");--> statement-breakpoint
CREATE INDEX "signatories_site_id_index" ON "signatories" USING btree ("site_id");--> statement-breakpoint
CREATE UNIQUE INDEX "user_credential_attributes_credential_name_key" ON "user_credential_attributes" USING btree ("user_credential_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "user_credentials_user_config_key" ON "user_credentials" USING btree ("user_id","config_id");--> statement-breakpoint
CREATE INDEX "user_credentials_site_id_status_index" ON "user_credentials" USING btree ("site_id","status");--> statement-breakpoint
CREATE INDEX "user_credentials_config_id_status_index" ON "user_credentials" USING btree ("config_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "grades_user_course_run_key" ON "grades" USING btree ("user_id","course_run_id");--> statement-breakpoint
CREATE INDEX "grades_course_run_id_index" ON "grades" USING btree ("course_run_id");--> statement-breakpoint
CREATE INDEX "grades_site_id_index" ON "grades" USING btree ("site_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pathway_sends_user_pathway_program_key" ON "pathway_sends" USING btree ("user_id","pathway_id","program_id");--> statement-breakpoint
CREATE UNIQUE INDEX "record_shares_active_key" ON "record_shares" USING btree ("site_id","user_id","program_id") WHERE "record_shares"."revoked_at" IS NULL;--> statement-breakpoint
CREATE INDEX "record_shares_user_id_index" ON "record_shares" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sites_domain_key" ON "sites" USING btree (lower("domain"));--> statement-breakpoint
CREATE INDEX "user_roles_user_id_index" ON "user_roles" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_username_key" ON "users" USING btree (lower("username"));--> statement-breakpoint
CREATE INDEX "users_lms_user_id_idx" ON "users" USING btree ("lms_user_id");--> statement-breakpoint
CREATE INDEX "users_email_idx" ON "users" USING btree (lower("email"));