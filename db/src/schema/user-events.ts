import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users.ts";

/**
 * Each user's event counter (migrations/0006_mentions.sql, fillfactor 70 for HOT updates): a
 * mention takes the mentioned user's next seq in the transaction that stores the message.
 */
export const userSeq = pgTable("user_seq", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  lastSeq: bigint("last_seq", { mode: "number" }).notNull().default(0),
});

/**
 * A user's own stream (parley.v2 `userEvent` frames): mentions of them, and their read markers moving. Hash-partitioned by
 * `user_id` in the database (the migration), which drizzle cannot express: this describes the parent.
 */
export const userEvents = pgTable(
  "user_events",
  {
    userId: uuid("user_id").notNull(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    kind: text("kind").notNull(),
    roomId: uuid("room_id").notNull(),
    /** The message mentioned; null for a `read` event. */
    messageId: uuid("message_id"),
    /** The message's seq in its room; for `read`, the marker's new seq. */
    roomSeq: bigint("room_seq", { mode: "number" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    /** `membership`: {membership, room?} as sent (migration 0010). */
    data: jsonb("data"),
  },
  (t) => [primaryKey({ name: "user_events_user_seq_pk", columns: [t.userId, t.seq] }), index("user_events_room_idx").on(t.userId, t.roomId, t.roomSeq)],
);
