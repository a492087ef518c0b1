ALTER TABLE "course_runs" ADD COLUMN "hidden" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "course_runs" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "courses" ADD COLUMN "content_hash" varchar(64);--> statement-breakpoint
ALTER TABLE "courses" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "content_hash" varchar(64);--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "pathways" ADD COLUMN "content_hash" varchar(64);--> statement-breakpoint
ALTER TABLE "pathways" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "programs" ADD COLUMN "content_hash" varchar(64);--> statement-breakpoint
ALTER TABLE "programs" ADD COLUMN "retired_at" timestamp with time zone;