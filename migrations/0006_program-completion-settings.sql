ALTER TABLE "sites" ADD COLUMN "program_completion_modes" varchar(255) DEFAULT 'verified,professional,no-id-professional,masters' NOT NULL;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "auto_award_programs" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "revoke_programs_with_courses" boolean DEFAULT false NOT NULL;