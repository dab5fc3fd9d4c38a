-- Hand-written (drizzle cannot express partitioning); meta/0004_snapshot.json describes the result,
-- with "messages" as the parent table. Runs in the migrator's transaction: offline, all or nothing.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
-- The per-room counter leaves the wide rooms row for a narrow one that updates HOT.
CREATE TABLE "room_seq" (
	"room_id" uuid PRIMARY KEY NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL
) WITH (fillfactor = 50);--> statement-breakpoint
INSERT INTO "room_seq" ("room_id", "last_seq") SELECT "id", "last_seq" FROM "rooms";--> statement-breakpoint
ALTER TABLE "room_seq" ADD CONSTRAINT "room_seq_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rooms" DROP COLUMN "last_seq";--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "member_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "rooms" SET "member_count" = c.n FROM (SELECT "room_id", count(*)::int AS n FROM "memberships" GROUP BY "room_id") c WHERE c."room_id" = "rooms"."id";--> statement-breakpoint
CREATE INDEX "rooms_name_trgm_idx" ON "rooms" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "rooms_member_count_idx" ON "rooms" USING btree ("member_count" desc,"name_key");--> statement-breakpoint
-- The old table steps aside (its index names are schema-wide, so they step aside too).
ALTER TABLE "messages" RENAME TO "messages_unpartitioned";--> statement-breakpoint
ALTER INDEX "messages_pkey" RENAME TO "messages_unpartitioned_pkey";--> statement-breakpoint
ALTER INDEX "messages_room_seq_unique" RENAME TO "messages_unpartitioned_room_seq";--> statement-breakpoint
ALTER INDEX "messages_room_user_client_unique" RENAME TO "messages_unpartitioned_room_user_client";--> statement-breakpoint
CREATE TABLE "messages" (
	"id" uuid NOT NULL,
	"room_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"user_id" uuid NOT NULL,
	"body" text NOT NULL,
	"client_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
) PARTITION BY HASH ("room_id");--> statement-breakpoint
-- The partition count is fixed here, at the first migration: the migrate runner sets
-- parley.message_partitions (MESSAGE_PARTITIONS of `npm run migrate`), 32 when unset.
DO $$
DECLARE
  n int := coalesce(nullif(current_setting('parley.message_partitions', true), ''), '32')::int;
BEGIN
  IF n NOT BETWEEN 16 AND 64 THEN
    RAISE EXCEPTION 'parley.message_partitions must be between 16 and 64, not %', n;
  END IF;
  FOR i IN 0 .. n - 1 LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF "messages" FOR VALUES WITH (MODULUS %s, REMAINDER %s)', 'messages_p' || lpad(i::text, 2, '0'), n, i);
  END LOOP;
END
$$;--> statement-breakpoint
INSERT INTO "messages" ("id", "room_id", "seq", "user_id", "body", "client_id", "created_at")
	SELECT "id", "room_id", "seq", "user_id", "body", "client_id", "created_at" FROM "messages_unpartitioned";--> statement-breakpoint
DROP TABLE "messages_unpartitioned";--> statement-breakpoint
-- Keys and indexes after the copy: one sorted build per partition instead of row-by-row inserts.
ALTER TABLE "messages" ADD CONSTRAINT "messages_room_seq_pk" PRIMARY KEY("room_id","seq");--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_room_user_client_unique" UNIQUE("room_id","user_id","client_id");--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_room_id_unique" UNIQUE("room_id","id");--> statement-breakpoint
CREATE INDEX "messages_user_idx" ON "messages" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ANALYZE "rooms", "room_seq", "messages";
