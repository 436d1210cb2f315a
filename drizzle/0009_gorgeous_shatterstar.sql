ALTER TABLE "servers" ADD COLUMN "suspended_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "servers" ADD COLUMN "suspended_by" uuid;--> statement-breakpoint
ALTER TABLE "servers" ADD COLUMN "suspension_reason" text;--> statement-breakpoint
ALTER TABLE "servers" ADD COLUMN "power_before_suspension" text;--> statement-breakpoint
ALTER TABLE "servers" ADD CONSTRAINT "servers_suspended_by_users_id_fk" FOREIGN KEY ("suspended_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_actor_id_idx" ON "audit_events" USING btree ("actor_user_id","id");--> statement-breakpoint
CREATE INDEX "audit_events_kind_id_idx" ON "audit_events" USING btree ("kind","id");