CREATE TABLE "pve_clusters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"token_id" text NOT NULL,
	"token_secret_sealed" text NOT NULL,
	"fingerprint" text,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pve_clusters_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
DROP INDEX "servers_pve_vmid_key";--> statement-breakpoint
ALTER TABLE "locations" ADD COLUMN "cluster_id" uuid;--> statement-breakpoint
ALTER TABLE "servers" ADD COLUMN "cluster_id" uuid;--> statement-breakpoint
ALTER TABLE "locations" ADD CONSTRAINT "locations_cluster_id_pve_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."pve_clusters"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "servers" ADD CONSTRAINT "servers_cluster_id_pve_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."pve_clusters"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "servers_pve_vmid_key" ON "servers" USING btree (coalesce("cluster_id", '00000000-0000-0000-0000-000000000000'::uuid),"pve_vmid") WHERE "servers"."terminated_at" is null;