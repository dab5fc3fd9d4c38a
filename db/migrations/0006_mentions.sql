-- Hand-written (drizzle cannot express partitioning). Mentions: the members a message names, and
-- each user's own stream of events (a mention of them), numbered 1, 2, 3, … per user like a room's.
ALTER TABLE "messages" ADD COLUMN "mentions" jsonb;--> statement-breakpoint
-- The per-user counter, narrow and updated in place like room_seq.
CREATE TABLE "user_seq" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL
) WITH (fillfactor = 70);--> statement-breakpoint
ALTER TABLE "user_seq" ADD CONSTRAINT "user_seq_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- A user's events: `room_seq` is the message's seq in its room (read state counts mentions past it).
CREATE TABLE "user_events" (
	"user_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"kind" text NOT NULL,
	"room_id" uuid NOT NULL,
	"message_id" uuid NOT NULL,
	"room_seq" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_events_kind_check" CHECK ("kind" IN ('mention'))
) PARTITION BY HASH ("user_id");--> statement-breakpoint
-- As many partitions as the messages table has (fixed by migration 0004), by user this time.
DO $$
DECLARE
  n int := (SELECT count(*) FROM pg_inherits WHERE inhparent = 'messages'::regclass);
BEGIN
  FOR i IN 0 .. n - 1 LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF "user_events" FOR VALUES WITH (MODULUS %s, REMAINDER %s)', 'user_events_p' || lpad(i::text, 2, '0'), n, i);
  END LOOP;
END
$$;--> statement-breakpoint
ALTER TABLE "user_events" ADD CONSTRAINT "user_events_user_seq_pk" PRIMARY KEY("user_id","seq");--> statement-breakpoint
CREATE INDEX "user_events_room_idx" ON "user_events" USING btree ("user_id","room_id","room_seq");--> statement-breakpoint
ALTER TABLE "user_events" ADD CONSTRAINT "user_events_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_events" ADD CONSTRAINT "user_events_message_fk" FOREIGN KEY ("room_id","message_id") REFERENCES "public"."messages"("room_id","id") ON DELETE cascade ON UPDATE no action;
