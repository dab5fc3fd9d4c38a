import { bigint, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users.ts";

export const rooms = pgTable("rooms", {
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
  /** The seq of the room's newest message. Incremented in the transaction that stores a message; its row lock orders sends. */
  lastSeq: bigint("last_seq", { mode: "number" }).notNull().default(0),
});
