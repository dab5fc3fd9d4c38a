import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { createMigratedDatabase, createTestDatabase } from "../../test/support/services.ts";
import { connectPostgres } from "./node.ts";
import { storeContract } from "./store.contract.ts";
import { createDrizzleStore } from "./store.ts";

storeContract("PostgreSQL", async () => {
  const database = await createMigratedDatabase();
  return {
    store: createDrizzleStore(database.connection.db),
    cleanup: database.drop,
  };
});

describe("PostgreSQL migrations", () => {
  it("can run from three connections at once on a fresh database", async () => {
    const database = await createTestDatabase();
    const connections = [1, 2, 3].map(() => connectPostgres(database.url, { max: 2 }));
    try {
      await Promise.all(connections.map((c) => c.migrate()));
      const sql = postgres(database.url, { max: 1, onnotice: () => {} });
      try {
        const tables = await sql<{ name: string }[]>`
          select relname as name from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') and not relispartition order by 1`;
        expect(tables.map((t) => t.name)).toEqual([
          "idempotency_keys",
          "memberships",
          "messages",
          "reactions",
          "refresh_tokens",
          "room_bans",
          "room_events",
          "room_seq",
          "rooms",
          "uploads",
          "user_events",
          "user_seq",
          "users",
        ]);
        const [partitions] = await sql<{ count: number }[]>`select count(*)::int as count from pg_inherits where inhparent = 'messages'::regclass`;
        expect(partitions?.count).toBe(32);
        // Events and reactions live in partitions of the same number as their room's messages.
        const [eventParts] = await sql<{ count: number }[]>`select count(*)::int as count from pg_inherits where inhparent = 'room_events'::regclass`;
        expect(eventParts?.count).toBe(32);
        const [userParts] = await sql<{ count: number }[]>`select count(*)::int as count from pg_inherits where inhparent = 'user_events'::regclass`;
        expect(userParts?.count).toBe(32);
        const [applied] = await sql<{ count: number }[]>`select count(*)::int as count from drizzle.__drizzle_migrations`;
        expect(applied?.count).toBe(12);
        const [lock] = await sql<
          { count: number }[]
        >`select count(*)::int as count from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`;
        expect(lock?.count).toBe(0);
      } finally {
        await sql.end();
      }
      // Migrating an up-to-date database changes nothing.
      await connections[0]!.migrate();
      await expect(createDrizzleStore(connections[1]!.db).ping()).resolves.toBeUndefined();
    } finally {
      await Promise.all(connections.map((c) => c.close()));
      await database.drop();
    }
  });
});

describe("PostgreSQL: the first user", () => {
  it("is the server's one admin, however many register at once on a fresh database", async () => {
    const database = await createMigratedDatabase();
    try {
      // Its pool holds four connections: the registrations really run side by side.
      const store = createDrizzleStore(database.connection.db);
      const users = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.createUser({ id: crypto.randomUUID(), username: `first${i}_${crypto.randomUUID().slice(0, 6)}`, passwordHash: "h" }),
        ),
      );
      const accounts = await Promise.all(users.map((u) => store.account(u!.id)));
      expect(accounts.filter((a) => a?.admin)).toHaveLength(1);
    } finally {
      await database.drop();
    }
  });
});
