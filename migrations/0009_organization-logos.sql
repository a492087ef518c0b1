ALTER TABLE "organizations" ADD COLUMN "logo_asset_id" bigint;--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_logo_asset_id_assets_id_fk" FOREIGN KEY ("logo_asset_id") REFERENCES "public"."assets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "organizations_logo_asset_id_index" ON "organizations" USING btree ("logo_asset_id");