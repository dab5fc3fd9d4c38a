import { sql, type SQL } from "drizzle-orm";
import type { User } from "@parley/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsUpTo, UNPARTITIONED_SCHEMA } from "../../test/support/old-schema.ts";
import { rowsOf } from "./message-inserts.ts";
import type { Connection } from "./node.ts";
import { createDrizzleStore, type Store } from "./store.ts";

/** An empty database on one driver, how to run a migrations folder on it, and how to remove it. */
export interface UpgradeFixture {
  connection: Connection;
  /** Applies the migrations in `folder` with this driver's drizzle migrator. */
  migrateWith(folder: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** Messages per room in the old database: an empty room, a single message, and longer logs. */
const ROOM_SIZES = [0, 1, 40, 150, 400];

/**
 * The upgrade from the unpartitioned schema (migration 0003), run on every driver: a database with
 * users, rooms, memberships and messages is migrated, and every row, seq and count survives; the
 * Store then serves it (idempotent resends, next seqs, search).
 */
export function migrationUpgradeContract(name: string, open: () => Promise<UpgradeFixture>, partitions?: number) {
  describe(`upgrade to partitioned messages: ${name}`, () => {
    let fixture: UpgradeFixture;
    const all = async <T>(query: SQL) => rowsOf<T>(await fixture.connection.db.execute(query));
    const snapshot = async () => ({
      users: await all(sql`select id::text, username, username_key, password_hash from users order by id`),
      memberships: await all(sql`select room_id::text, user_id::text, joined_at::text from memberships order by room_id, user_id`),
      messages: await all(sql`select id::text, room_id::text, seq::text, user_id::text, body, client_id, created_at::text from messages order by room_id, seq`),
    });
    let before: Awaited<ReturnType<typeof snapshot>>;
    let lastSeqs: Array<{ id: string; last_seq: string }>;
    let rooms: Array<{ id: string; name: string; members: User[] }>;
    let store: Store;

    beforeAll(async () => {
      fixture = await open();
      const old = migrationsUpTo(UNPARTITIONED_SCHEMA);
      try {
        await fixture.migrateWith(old.folder);
      } finally {
        old.remove();
      }
      const users: User[] = Array.from({ length: 16 }, (_, i) => ({ id: crypto.randomUUID(), username: `Upgrader${i}` }));
      for (const u of users)
        await fixture.connection.db.execute(
          sql`insert into users (id, username, username_key, password_hash) values (${u.id}, ${u.username}, ${u.username.toLowerCase()}, 'h')`,
        );
      rooms = ROOM_SIZES.map((_, r) => ({ id: crypto.randomUUID(), name: `upgrade room ${r}`, members: users.slice(r, r + 3 + 2 * r) }));
      for (const [r, room] of rooms.entries()) {
        await fixture.connection.db.execute(
          sql`insert into rooms (id, name, name_key, created_by, last_seq) values (${room.id}, ${room.name}, ${room.name}, ${room.members[0]!.id}, ${ROOM_SIZES[r]!})`,
        );
        for (const m of room.members) await fixture.connection.db.execute(sql`insert into memberships (room_id, user_id) values (${room.id}, ${m.id})`);
        // Every fifth message was sent without a clientId; senders take turns among the members.
        await fixture.connection.db.execute(sql`
          insert into messages (id, room_id, seq, user_id, body, client_id, created_at)
          select gen_random_uuid(), ${room.id}, g,
            (select user_id from memberships where room_id = ${room.id} order by user_id offset g % ${room.members.length} limit 1),
            'old message ' || g, case when g % 5 = 0 then null else 'c-' || g end, now() - (1000 - g) * interval '1 minute'
          from generate_series(1, ${ROOM_SIZES[r]!}::int) g`);
      }
      before = await snapshot();
      lastSeqs = await all(sql`select id::text, last_seq::text from rooms order by id`);
    });
    afterAll(() => fixture?.cleanup());

    it("refuses a partition count out of range and leaves the old schema as it was", async () => {
      const error = (await fixture.connection.migrate({ messagePartitions: 8 }).catch((e: unknown) => e)) as { message?: string; cause?: { message?: string } };
      expect(`${error?.message} ${error?.cause?.message}`).toContain("must be between 16 and 64, not 8");
      const [kind] = await all<{ relkind: string }>(sql`select relkind from pg_class where oid = 'messages'::regclass`);
      expect(kind?.relkind).toBe("r");
      expect(await snapshot()).toEqual(before);
    });

    it("keeps every user, membership, message and seq, carries last_seq into room_seq and counts members", async () => {
      await fixture.connection.migrate(partitions === undefined ? {} : { messagePartitions: partitions });
      expect(await snapshot()).toEqual(before);
      expect(before.messages).toHaveLength(ROOM_SIZES.reduce((a, b) => a + b));
      expect(await all(sql`select room_id::text as id, last_seq::text from room_seq order by room_id`)).toEqual(lastSeqs);
      const counts = await all<{ id: string; member_count: number }>(sql`select id::text, member_count from rooms order by id`);
      expect(counts).toEqual(rooms.map((r) => ({ id: r.id, member_count: r.members.length })).sort((a, b) => (a.id < b.id ? -1 : 1)));
      const [split] = await all<{ n: number }>(sql`select count(*)::int as n from pg_inherits where inhparent = 'messages'::regclass`);
      expect(split?.n).toBe(partitions ?? 32);
      store = createDrizzleStore(fixture.connection.db);
      // Every member had read everything before the upgrade: no room turns unread.
      const member = rooms[4]!.members[0]!;
      expect((await store.readStates(member.id, [rooms[4]!.id])).get(rooms[4]!.id)).toEqual({
        lastReadSeq: Number(lastSeqs.find((r) => r.id === rooms[4]!.id)!.last_seq),
        unreadCount: 0,
        mentionCount: 0,
      });
    });

    it("answers a resent clientId with the stored message, and gives a new send the next seq", async () => {
      const room = rooms[4]!;
      const messages = before.messages as Array<{ id: string; room_id: string; user_id: string; client_id: string | null }>;
      const old = messages.find((m) => m.room_id === room.id && m.client_id === "c-7")!;
      const sender = room.members.find((u) => u.id === old.user_id)!;
      const resend = await store.appendMessage({
        id: crypto.randomUUID(),
        roomId: room.id,
        user: sender,
        body: "again",
        clientId: "c-7",
        createdAt: new Date(),
      });
      expect(resend).toMatchObject({ created: false, message: { id: old.id, seq: 7, body: "old message 7" } });
      const fresh = await store.appendMessage({
        id: crypto.randomUUID(),
        roomId: room.id,
        user: sender,
        body: "new",
        clientId: "new-1",
        createdAt: new Date(),
      });
      expect(fresh).toMatchObject({ created: true, message: { seq: ROOM_SIZES[4]! + 1 } });
      const first = await store.appendMessage({
        id: crypto.randomUUID(),
        roomId: rooms[0]!.id,
        user: rooms[0]!.members[0]!,
        body: "hi",
        clientId: null,
        createdAt: new Date(),
      });
      expect(first.message.seq).toBe(1);
      const page = await store.history(room.id, { limit: 3 });
      expect(page.messages.map((m) => [m.seq, m.body])).toEqual([
        [399, "old message 399"],
        [400, "old message 400"],
        [401, "new"],
      ]);
      expect((await store.lastSeqs([room.id, rooms[1]!.id])).get(room.id)).toBe(401);
    });

    it("lists and searches the migrated rooms by their member counts", async () => {
      const listed = await store.listRooms({ query: "upgrade room", limit: 10 });
      expect(listed.map((r) => [r.name, r.memberCount])).toEqual(rooms.map((r) => [r.name, r.members.length]).reverse());
      await store.join(rooms[0]!.id, rooms[4]!.members[8]!.id);
      expect((await store.getRoom(rooms[0]!.id))?.memberCount).toBe(4);
    });

    it("makes each room's creator its owner, everyone else a member, and every room a public room (migration 0010)", async () => {
      for (const room of rooms) {
        expect(await store.getRoom(room.id)).toMatchObject({ kind: "room", visibility: "public" });
        const roles = new Map((await store.members(room.id)).map((m) => [m.id, m.role]));
        for (const [i, member] of room.members.entries()) expect(roles.get(member.id), room.name).toBe(i === 0 ? "owner" : "member");
      }
    });
  });
}
