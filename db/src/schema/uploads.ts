import { bigint, index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { rooms } from "./rooms.ts";
import { users } from "./users.ts";

/**
 * Uploaded files (migrations/0011_uploads.sql): the bytes live in file storage under `id`. A row is
 * its uploader's until a message takes it (`room_id` + `message_id`), then that message's.
 */
export const uploads = pgTable(
  "uploads",
  {
    id: uuid("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    /** Sniffed from the bytes when uploaded, never the client's header. */
    contentType: text("content_type").notNull(),
    width: integer("width"),
    height: integer("height"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    roomId: uuid("room_id").references(() => rooms.id, { onDelete: "cascade" }),
    messageId: uuid("message_id"),
  },
  (t) => [index("uploads_message_idx").on(t.roomId, t.messageId), index("uploads_unattached_idx").on(t.createdAt)],
);
