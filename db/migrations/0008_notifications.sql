-- Notification preferences: the user's default level, and per room a level of its own (null: the
-- default) and a mute. Levels: all messages, mentions (and direct messages) only, nothing.
ALTER TABLE "users" ADD COLUMN "notify_level" text DEFAULT 'mentions' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_notify_level_check" CHECK ("notify_level" IN ('all', 'mentions', 'none'));--> statement-breakpoint
ALTER TABLE "memberships" ADD COLUMN "notify_level" text;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_notify_level_check" CHECK ("notify_level" IN ('all', 'mentions', 'none'));--> statement-breakpoint
ALTER TABLE "memberships" ADD COLUMN "muted" boolean DEFAULT false NOT NULL;
