import { index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * The answers to POSTs sent with `Idempotency-Key`, so a retry gets the first answer instead of
 * doing the work again. A row without `status` is a request still running.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    /** Whose key it is: `user:<id>`, or `register` for sign-ups (the key is then hashed with the username). */
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    method: text("method").notNull(),
    path: text("path").notNull(),
    /** A keyed hash of the body (never the body: it may hold a password). */
    bodyHash: text("body_hash").notNull(),
    status: integer("status"),
    /** The JSON answer as sent. */
    response: text("response"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] }), index("idempotency_keys_expires_idx").on(t.expiresAt)],
);
