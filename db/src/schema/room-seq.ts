import { bigint, pgTable, uuid } from "drizzle-orm/pg-core";
import { rooms } from "./rooms.ts";

/**
 * Each room's message counter, apart from the wide `rooms` row: the send statement updates it on
 * every message, and its row lock orders concurrent sends to the room. A narrow row with free space
 * left in its page (fillfactor 50, set in the migration: drizzle has no table storage options)
 * makes those updates HOT, so no index is touched and the table does not bloat.
 */
export const roomSeq = pgTable("room_seq", {
  roomId: uuid("room_id")
    .primaryKey()
    .references(() => rooms.id, { onDelete: "cascade" }),
  /** The seq of the room's newest message. */
  lastSeq: bigint("last_seq", { mode: "number" }).notNull().default(0),
});
