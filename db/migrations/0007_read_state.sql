-- Read state on the server: each member's read marker in each room (it never moves back), and the
-- user stream's second kind of event, `read`, so every device of the user follows it.
ALTER TABLE "memberships" ADD COLUMN "read_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Existing members have read everything so far: an upgrade must not turn whole histories unread.
UPDATE "memberships" m SET "read_seq" = s."last_seq" FROM "room_seq" s WHERE s."room_id" = m."room_id";--> statement-breakpoint
ALTER TABLE "user_events" DROP CONSTRAINT "user_events_kind_check";--> statement-breakpoint
ALTER TABLE "user_events" ADD CONSTRAINT "user_events_kind_check" CHECK ("kind" IN ('mention', 'read'));--> statement-breakpoint
-- A `read` event names no message (its `room_seq` is the marker's new seq).
ALTER TABLE "user_events" ALTER COLUMN "message_id" DROP NOT NULL;
