-- Hand-written. Private rooms, direct messages, member roles, bans and server admins.
-- A room is a `room` or a `dm`; a DM is private, has no user-visible name and is found by its
-- participants: `dm_key` is their sorted ids joined by ','. Its name_key 'dm:'||dm_key keeps the
-- unique name constraint true without taking a name from anyone; it has no name skeleton.
ALTER TABLE "rooms" ADD COLUMN "kind" text DEFAULT 'room' NOT NULL;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "visibility" text DEFAULT 'public' NOT NULL;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "dm_key" text;--> statement-breakpoint
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_dm_key_unique" UNIQUE("dm_key");--> statement-breakpoint
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_kind_check" CHECK ("kind" IN ('room', 'dm'));--> statement-breakpoint
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_visibility_check" CHECK ("visibility" IN ('public', 'private'));--> statement-breakpoint
ALTER TABLE "memberships" ADD COLUMN "role" text DEFAULT 'member' NOT NULL;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_role_check" CHECK ("role" IN ('owner', 'moderator', 'member'));--> statement-breakpoint
-- Every room made so far: its creator, when still a member, owns it.
UPDATE "memberships" m SET "role" = 'owner' FROM "rooms" r WHERE r."id" = m."room_id" AND r."created_by" = m."user_id";--> statement-breakpoint
CREATE TABLE "room_bans" (
	"room_id" uuid NOT NULL REFERENCES "rooms"("id") ON DELETE cascade,
	"user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE cascade,
	"banned_by" uuid NOT NULL REFERENCES "users"("id") ON DELETE cascade,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "room_bans_pk" PRIMARY KEY ("room_id", "user_id")
);--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "role" text DEFAULT 'user' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_role_check" CHECK ("role" IN ('user', 'admin'));--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "locked_at" timestamp with time zone;--> statement-breakpoint
-- The room stream's events about members and the room itself name no message; `data` holds the
-- event's payload as sent (member, reason, room fields), `user_id` stays the one who acted.
ALTER TABLE "room_events" ALTER COLUMN "message_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "room_events" ADD COLUMN "data" jsonb;--> statement-breakpoint
ALTER TABLE "room_events" DROP CONSTRAINT "room_events_kind_check";--> statement-breakpoint
ALTER TABLE "room_events" ADD CONSTRAINT "room_events_kind_check" CHECK ("kind" IN ('message.edited', 'message.deleted', 'reaction.added', 'reaction.removed', 'member.role', 'member.removed', 'room.updated'));--> statement-breakpoint
-- The user stream's `membership` events: `data` holds {membership, room?} as sent.
ALTER TABLE "user_events" ADD COLUMN "data" jsonb;--> statement-breakpoint
ALTER TABLE "user_events" DROP CONSTRAINT "user_events_kind_check";--> statement-breakpoint
ALTER TABLE "user_events" ADD CONSTRAINT "user_events_kind_check" CHECK ("kind" IN ('mention', 'read', 'membership'));
