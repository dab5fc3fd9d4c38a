-- Hand-written (drizzle cannot express partitioning). A room's seq now numbers its events: a
-- message's creation (the messages row itself), and the edits, deletions and reactions kept here.
ALTER TABLE "messages" ADD COLUMN "edited_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
-- Threads, one level deep: a reply names its parent; the parent counts its replies.
ALTER TABLE "messages" ADD COLUMN "parent_id" uuid;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "also_to_room" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "reply_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "last_reply_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "messages_thread_idx" ON "messages" USING btree ("room_id","parent_id","seq") WHERE "parent_id" IS NOT NULL;--> statement-breakpoint
-- The room's log of events other than message.created, at seqs shared with the messages. `body`
-- is an edit's new text and `previous_body` the one it replaced (the edit history); both are
-- cleared when the message is deleted, so a deleted body is gone from the database.
CREATE TABLE "room_events" (
	"room_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"kind" text NOT NULL,
	"message_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"emoji" text,
	"body" text,
	"previous_body" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "room_events_kind_check" CHECK ("kind" IN ('message.edited', 'message.deleted', 'reaction.added', 'reaction.removed'))
) PARTITION BY HASH ("room_id");--> statement-breakpoint
-- One reaction per (message, emoji, user).
CREATE TABLE "reactions" (
	"room_id" uuid NOT NULL,
	"message_id" uuid NOT NULL,
	"emoji" text NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
) PARTITION BY HASH ("room_id");--> statement-breakpoint
-- As many partitions as the messages table has (fixed by migration 0004), so a room's message,
-- events and reactions live in partitions of the same number.
DO $$
DECLARE
  n int := (SELECT count(*) FROM pg_inherits WHERE inhparent = 'messages'::regclass);
BEGIN
  FOR i IN 0 .. n - 1 LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF "room_events" FOR VALUES WITH (MODULUS %s, REMAINDER %s)', 'room_events_p' || lpad(i::text, 2, '0'), n, i);
    EXECUTE format('CREATE TABLE %I PARTITION OF "reactions" FOR VALUES WITH (MODULUS %s, REMAINDER %s)', 'reactions_p' || lpad(i::text, 2, '0'), n, i);
  END LOOP;
END
$$;--> statement-breakpoint
ALTER TABLE "room_events" ADD CONSTRAINT "room_events_room_seq_pk" PRIMARY KEY("room_id","seq");--> statement-breakpoint
CREATE INDEX "room_events_message_idx" ON "room_events" USING btree ("room_id","message_id","seq");--> statement-breakpoint
ALTER TABLE "room_events" ADD CONSTRAINT "room_events_message_fk" FOREIGN KEY ("room_id","message_id") REFERENCES "public"."messages"("room_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reactions" ADD CONSTRAINT "reactions_pk" PRIMARY KEY("room_id","message_id","emoji","user_id");--> statement-breakpoint
ALTER TABLE "reactions" ADD CONSTRAINT "reactions_message_fk" FOREIGN KEY ("room_id","message_id") REFERENCES "public"."messages"("room_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reactions" ADD CONSTRAINT "reactions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;
