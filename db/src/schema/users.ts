import { pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
  id: uuid("id").primaryKey(),
  /** As typed at registration; shown to others. */
  username: text("username").notNull(),
  /** Lower-cased username: makes names case-insensitively unique. */
  usernameKey: text("username_key").notNull().unique("users_username_key_unique"),
  passwordHash: text("password_hash").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  /** The default notification level of the user's rooms: all, mentions, none (migration 0008). */
  notifyLevel: text("notify_level").notNull().default("mentions"),
  /** 'user' or 'admin': a server admin (migration 0010). */
  role: text("role").notNull().default("user"),
  /** Set while an admin has locked the account: no sign-in, no refresh. */
  lockedAt: timestamp("locked_at", { withTimezone: true, mode: "date" }),
});
