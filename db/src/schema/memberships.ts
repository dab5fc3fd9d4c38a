import { bigint, boolean, index, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { rooms } from "./rooms.ts";
import { users } from "./users.ts";

export const memberships = pgTable(
  "memberships",
  {
    roomId: uuid("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    joinedAt: timestamp("joined_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    /** The member's read marker: the room seq read up to, on any device (migration 0007). */
    readSeq: bigint("read_seq", { mode: "number" }).notNull().default(0),
    /** The room's own notification level; null for the user's default (migration 0008). */
    notifyLevel: text("notify_level"),
    muted: boolean("muted").notNull().default(false),
    /** 'owner', 'moderator' or 'member' (migration 0010). */
    role: text("role").notNull().default("member"),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);
