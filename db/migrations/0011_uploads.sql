-- Hand-written. Uploaded files: one row each, the bytes in file storage under the row's id. A row
-- belongs to its uploader until a message takes it (room_id + message_id set, in the transaction
-- that stores the message); deleting the message deletes its rows, the sweep deletes rows never
-- attached. Each message also keeps a copy of its attachments' shapes (messages.attachments), so
-- every read of a message (history, threads, replays, search, mentions) has them without a join.
CREATE TABLE "uploads" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"size" bigint NOT NULL,
	"content_type" text NOT NULL,
	"width" integer,
	"height" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"room_id" uuid,
	"message_id" uuid
);--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- A message's files, found when it is deleted.
CREATE INDEX "uploads_message_idx" ON "uploads" ("room_id", "message_id") WHERE "message_id" IS NOT NULL;--> statement-breakpoint
-- The sweep's scan: unattached uploads by age.
CREATE INDEX "uploads_unattached_idx" ON "uploads" ("created_at") WHERE "message_id" IS NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "attachments" jsonb;
