import type { User } from "@parley/protocol";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AppendBatchOptions } from "./append-batcher.ts";
import { createDrizzleStore, type Database, type Store } from "./store.ts";

/** A migrated database and how to close and remove it. */
export interface DatabaseFixture {
  db: Database;
  cleanup(): Promise<void>;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * Group commit of `appendMessage` (AppendBatcher): concurrent sends to a room share statements yet
 * keep the single-send guarantees: gapless seqs in call order, one row per (user, clientId).
 */
export function appendBatchContract(name: string, connect: () => Promise<DatabaseFixture>) {
  describe(`Batched appendMessage: ${name}`, () => {
    let fixture: DatabaseFixture;
    let statements: number[];
    let store: Store;
    let users: User[];
    let roomId: string;

    const storeWith = (options: AppendBatchOptions = {}) =>
      createDrizzleStore(fixture.db, { appendBatch: { ...options, onStatement: (n) => statements.push(n) } });
    const newRoom = async () => {
      const room = await store.createRoom({
        id: crypto.randomUUID(),
        name: `room_${crypto.randomUUID()}`,
        topic: "",
        createdBy: users[0]!.id,
        createdAt: new Date(),
      });
      for (const user of users) await store.join(room!.id, user.id);
      return room!.id;
    };
    const sendWith = (s: Store, roomId: string, user: User, body: string, clientId: string | null = null, createdAt = new Date()) =>
      s.appendMessage({ id: crypto.randomUUID(), roomId, user, body, clientId, createdAt });
    const send = (roomId: string, user: User, body: string, clientId: string | null = null, createdAt?: Date) =>
      sendWith(store, roomId, user, body, clientId, createdAt);
    const allMessages = async (roomId: string) => store.range(roomId, 0, Number.MAX_SAFE_INTEGER, 10_000);

    beforeAll(async () => {
      fixture = await connect();
    });
    afterAll(() => fixture?.cleanup());

    beforeEach(async () => {
      statements = [];
      store = storeWith();
      users = [];
      for (let i = 0; i < 4; i++)
        users.push((await store.createUser({ id: crypto.randomUUID(), username: `u_${crypto.randomUUID().slice(0, 12)}`, passwordHash: "h" }))!);
      roomId = await newRoom();
      statements = [];
    });

    it("gives 200 concurrent sends from several users seqs 1..200 in call order, in fewer statements", async () => {
      const results = await Promise.all(range(1, 200).map((i) => send(roomId, users[i % 4]!, `m${i}`)));
      expect(results.every((r) => r.created)).toBe(true);
      expect(results.map((r) => r.message.seq)).toEqual(range(1, 200));
      const stored = await allMessages(roomId);
      expect(stored.map((m) => [m.seq, m.body, m.user.id])).toEqual(range(1, 200).map((i) => [i, `m${i}`, users[i % 4]!.id]));
      expect(stored).toEqual(results.map((r) => r.message));
      expect((await store.lastSeqs([roomId])).get(roomId)).toBe(200);
      expect(statements.reduce((a, b) => a + b, 0)).toBe(200);
      expect(statements.length).toBeLessThan(200);
      expect(Math.max(...statements)).toBeLessThanOrEqual(100);
    });

    it("stores one row per (user, clientId) when a batch repeats clientIds or holds stored ones, with no seq gap", async () => {
      const [alice, bob] = [users[0]!, users[1]!];
      const earlier = [await send(roomId, alice, "early 0", "c0"), await send(roomId, alice, "early 1", "c1")];
      const sends: Array<[User, string, string]> = [];
      for (let i = 0; i < 30; i++) {
        sends.push([alice, `fresh ${i}`, `f${i}`]);
        if (i % 5 === 0) sends.push([alice, `again ${i}`, `f${i}`]); // twice in this batch
        if (i % 7 === 0) sends.push([bob, `bob ${i}`, `f${i}`]); // the same key for another user is another message
        if (i % 10 === 0) sends.push([alice, `retry ${i}`, `c${(i / 10) % 2}`]); // stored before the batch
      }
      const results = await Promise.all(sends.map(([user, body, clientId]) => send(roomId, user, body, clientId)));
      const stored = await allMessages(roomId);
      const keys = new Set(sends.map(([user, , clientId]) => `${user.id}/${clientId}`));
      // Both earlier keys are among the batch's keys.
      expect(stored.map((m) => m.seq)).toEqual(range(1, keys.size));
      expect(new Set(stored.map((m) => `${m.user.id}/${m.clientId}`)).size).toBe(stored.length);
      // Each send got the stored message of its key; the first send of a new key created it.
      const byKey = new Map(stored.map((m) => [`${m.user.id}/${m.clientId}`, m]));
      const seen = new Set(["c0", "c1"].map((c) => `${alice.id}/${c}`));
      results.forEach((r, i) => {
        const [user, , clientId] = sends[i]!;
        const key = `${user.id}/${clientId}`;
        expect(r.message).toEqual(byKey.get(key));
        expect(r.created).toBe(!seen.has(key));
        seen.add(key);
      });
      expect(byKey.get(`${alice.id}/c0`)).toEqual(earlier[0]!.message);
      // Seqs follow the call order of the sends that created messages.
      const createdSeqs = results.filter((r) => r.created).map((r) => r.message.seq);
      expect(createdSeqs).toEqual(range(3, stored.length));
      expect((await send(roomId, bob, "after")).message.seq).toBe(stored.length + 1);
    });

    it("keeps concurrent sends to several rooms independent", async () => {
      const rooms = [roomId, await newRoom(), await newRoom()];
      const sends = range(0, 149).map((i) => ({ roomId: rooms[i % 3]!, body: `r${i % 3} m${Math.floor(i / 3)}` }));
      const results = await Promise.all(sends.map((s, i) => send(s.roomId, users[i % 4]!, s.body)));
      results.forEach((r, i) => expect(r.message).toMatchObject({ roomId: sends[i]!.roomId, seq: Math.floor(i / 3) + 1, body: sends[i]!.body }));
      for (const [n, id] of rooms.entries()) {
        expect((await allMessages(id)).map((m) => m.body)).toEqual(range(0, 49).map((k) => `r${n} m${k}`));
      }
    });

    it("fails only the sends to a missing room", async () => {
      const missing = crypto.randomUUID();
      const outcomes = await Promise.allSettled(range(1, 30).map((i) => send(i % 3 ? roomId : missing, users[0]!, `m${i}`, `c${i}`)));
      outcomes.forEach((o, i) => {
        if ((i + 1) % 3) expect(o.status).toBe("fulfilled");
        else expect(o).toMatchObject({ status: "rejected", reason: { message: `room ${missing} does not exist` } });
      });
      expect((await allMessages(roomId)).map((m) => m.seq)).toEqual(range(1, 20));
      expect((await store.lastSeqs([missing])).size).toBe(0);
    });

    it("keeps seqs gapless when two stores (two processes) send to one room at once", async () => {
      const other = storeWith();
      const results = await Promise.all(range(1, 120).map((i) => sendWith(i % 2 ? store : other, roomId, users[i % 4]!, `m${i}`)));
      expect(results.map((r) => r.message.seq).sort((a, b) => a - b)).toEqual(range(1, 120));
      const stored = await allMessages(roomId);
      expect(stored).toEqual([...results.map((r) => r.message)].sort((a, b) => a.seq - b.seq));
      // Each store keeps its own call order.
      for (const parity of [0, 1]) {
        const seqs = results.filter((_, k) => (k + 1) % 2 === parity).map((r) => r.message.seq);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      }
    });

    it("caps a statement by messages and by body size", async () => {
      store = storeWith({ maxMessages: 7, maxBodyChars: 10_000 });
      const bodies = range(1, 60).map((i) => (i % 10 === 0 ? "x".repeat(4000) : `m${i}`));
      const results = await Promise.all(bodies.map((body) => send(roomId, users[0]!, body)));
      expect(results.map((r) => r.message.seq)).toEqual(range(1, 60));
      expect(Math.max(...statements)).toBeLessThanOrEqual(7);
      expect(statements.length).toBeGreaterThanOrEqual(60 / 7);
      expect((await allMessages(roomId)).map((m) => m.body)).toEqual(bodies);
    });

    it("round-trips bodies, clientIds and times byte for byte through a batch", async () => {
      const bodies = [
        `<script>alert("x")</script> &amp; & <img src=x onerror='y'>`,
        "👩‍👩‍👧‍👦 🇺🇦 ✨ e\u0301 vs é",
        "שלום עולם — مرحبا بالعالم \u202Ebackwards\u202C",
        `'single' "double" \`back\` ‘curly’ “curly” \\ backslash \\n not a newline {"json": [1, null]}`,
        "line one\nline two\r\n\ttabbed  ",
        "%_ ' ; drop table messages; -- \\u0041",
        "x".repeat(4000),
      ];
      const base = Date.UTC(2026, 1, 3, 4, 5, 6, 789);
      const results = await Promise.all(bodies.map((body, i) => send(roomId, users[0]!, body, i % 2 ? `id "${i}" ✓` : null, new Date(base + i))));
      const stored = await allMessages(roomId);
      expect(stored).toEqual(results.map((r) => r.message));
      expect(stored.map((m) => Buffer.from(m.body).toString("hex"))).toEqual(bodies.map((b) => Buffer.from(b).toString("hex")));
      expect(stored.map((m) => m.createdAt)).toEqual(bodies.map((_, i) => new Date(base + i).toISOString()));
      expect(statements.some((n) => n > 1)).toBe(true);
      expect(stored.filter((m) => m.clientId !== null).map((m) => m.clientId)).toEqual(['id "1" ✓', 'id "3" ✓', 'id "5" ✓']);
    });
  });
}
