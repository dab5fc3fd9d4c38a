import { bigint, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * A room's events other than a message's creation (edits, deletions, reactions), at seqs shared
 * with the messages. Hash-partitioned by `room_id` like `messages` (migrations/0005_room_events.sql).
 */
export const roomEvents = pgTable(
  "room_events",
  {
    roomId: uuid("room_id").notNull(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    kind: text("kind").notNull(),
    /** The message; null for the events about members and the room (migration 0010). */
    messageId: uuid("message_id"),
    /** Who did it: the editor, the deleter, the reacting user. */
    userId: uuid("user_id").notNull(),
    emoji: text("emoji"),
    /** An edit's new body; null once the message is deleted. */
    body: text("body"),
    /** The body an edit replaced (the edit history); null once the message is deleted. */
    previousBody: text("previous_body"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    /** member.role, member.removed, room.updated: the event's payload as sent. */
    data: jsonb("data"),
  },
  (t) => [primaryKey({ name: "room_events_room_seq_pk", columns: [t.roomId, t.seq] })],
);

/** Who reacted to which message with which emoji: one row each. Partitioned like `messages`. */
export const reactions = pgTable(
  "reactions",
  {
    roomId: uuid("room_id").notNull(),
    messageId: uuid("message_id").notNull(),
    emoji: text("emoji").notNull(),
    userId: uuid("user_id").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: "reactions_pk", columns: [t.roomId, t.messageId, t.emoji, t.userId] })],
);
