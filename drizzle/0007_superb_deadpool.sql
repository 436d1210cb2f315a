DROP INDEX "ip_addresses_server_key";--> statement-breakpoint
ALTER TABLE "ip_addresses" ALTER COLUMN "pool_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "ip_addresses" ADD COLUMN "primary" boolean DEFAULT true NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "ip_addresses_server_key" ON "ip_addresses" USING btree ("server_id") WHERE "ip_addresses"."server_id" is not null and "ip_addresses"."primary";