import { bigint, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { rooms } from "./rooms.ts";
import { users } from "./users.ts";

export const messages = pgTable(
  "messages",
  {
    id: uuid("id").primaryKey(),
    roomId: uuid("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    seq: bigint("seq", { mode: "number" }).notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    body: text("body").notNull(),
    /** The sender's idempotency key: a repeated send returns the stored message. */
    clientId: text("client_id"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    // Doubles as the index for history pages: (room_id, seq) range scans.
    unique("messages_room_seq_unique").on(t.roomId, t.seq),
    unique("messages_room_user_client_unique").on(t.roomId, t.userId, t.clientId),
  ],
);
