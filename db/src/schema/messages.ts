import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import type { Upload } from "@parley/protocol";
import { rooms } from "./rooms.ts";
import { users } from "./users.ts";

/**
 * The parent of the message log. In the database it is hash-partitioned by `room_id`
 * (migrations/0004_partitioned_messages.sql), which drizzle cannot express: this file describes the
 * parent table. Every unique key holds `room_id`, as partitioning (and Citus) requires.
 */
export const messages = pgTable(
  "messages",
  {
    /** UUIDv7 for new messages (time-ordered); older ones keep their random UUIDs. */
    id: uuid("id").notNull(),
    roomId: uuid("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    seq: bigint("seq", { mode: "number" }).notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    /** Searched through messages_body_fts_idx, a GIN index on the body's words (migration 0008). */
    body: text("body").notNull(),
    /** The sender's idempotency key: a repeated send returns the stored message. */
    clientId: text("client_id"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    /** When the body was last edited (migration 0005). */
    editedAt: timestamp("edited_at", { withTimezone: true, mode: "date" }),
    /** Set when the message was deleted: its body is then "" (migration 0005). */
    deletedAt: timestamp("deleted_at", { withTimezone: true, mode: "date" }),
    /** A thread reply's parent (one level: a parent is never a reply). */
    parentId: uuid("parent_id"),
    /** A reply also shown in the room's timeline. */
    alsoToRoom: boolean("also_to_room").notNull().default(false),
    /** A parent's replies: how many, and when the last came. */
    replyCount: integer("reply_count").notNull().default(0),
    lastReplyAt: timestamp("last_reply_at", { withTimezone: true, mode: "date" }),
    /** The ids of the members it mentions by name (migration 0006); null when none. */
    mentions: jsonb("mentions").$type<string[]>(),
    /** The shapes of its files (migration 0011); null when none, and once deleted. The uploads table links them back. */
    attachments: jsonb("attachments").$type<Upload[]>(),
  },
  (t) => [
    // Doubles as the index for history pages: (room_id, seq) range scans within one partition.
    primaryKey({ name: "messages_room_seq_pk", columns: [t.roomId, t.seq] }),
    unique("messages_room_user_client_unique").on(t.roomId, t.userId, t.clientId),
    // A message looked up by id within its room (a forwarded send made idempotent).
    unique("messages_room_id_unique").on(t.roomId, t.id),
    // Deleting a user checks this foreign key: without it, a scan of every partition.
    index("messages_user_idx").on(t.userId),
  ],
);
