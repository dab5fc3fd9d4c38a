import { desc } from "drizzle-orm";
import { index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users.ts";

export const rooms = pgTable(
  "rooms",
  {
    id: uuid("id").primaryKey(),
    name: text("name").notNull(),
    /** Lower-cased name: makes room names case-insensitively unique. */
    nameKey: text("name_key").notNull().unique("rooms_name_key_unique"),
    /**
     * The name's lookalike skeleton (worker/src/rooms/name-skeleton.ts): no two rooms may look alike.
     * Null for rooms made before it existed, until the worker fills it in at start.
     */
    nameSkeleton: text("name_skeleton").unique("rooms_name_skeleton_unique"),
    topic: text("topic").notNull().default(""),
    createdBy: uuid("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    /** How many memberships the room has: kept by the statements that join, leave and create, so listing rooms counts nothing. */
    memberCount: integer("member_count").notNull().default(0),
    /** 'room' or 'dm' (migration 0010). */
    kind: text("kind").notNull().default("room"),
    /** 'public' or 'private': a private room (and every DM) is invisible to non-members. */
    visibility: text("visibility").notNull().default("public"),
    /** A DM's participants: their sorted ids joined by ','; null for rooms. Makes a set of users' DM unique. */
    dmKey: text("dm_key").unique("rooms_dm_key_unique"),
  },
  (t) => [
    // Room search (`name ILIKE '%q%'`) through trigrams (pg_trgm) instead of reading every room.
    index("rooms_name_trgm_idx").using("gin", t.name.op("gin_trgm_ops")),
    // The room list's order: the biggest rooms first, read from the index's start.
    index("rooms_member_count_idx").on(desc(t.memberCount), t.nameKey),
  ],
);
