ALTER TABLE "rooms" ADD COLUMN "name_skeleton" text;--> statement-breakpoint
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_name_skeleton_unique" UNIQUE("name_skeleton");