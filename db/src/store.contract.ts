import type { Message, User } from "@parley/protocol";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { accessContract } from "./access.contract.ts";
import { idempotencyContract } from "./idempotency-store.contract.ts";
import { NotMemberError } from "./message-inserts.ts";
import { refreshTokenContract } from "./refresh-token.contract.ts";
import { roomEventsContract } from "./room-events.contract.ts";
import { searchContract } from "./search.contract.ts";
import { uploadsContract } from "./uploads.contract.ts";
import { userEventsContract } from "./user-events.contract.ts";
import type { NewMessage, Store } from "./store.ts";

/** A migrated, empty database behind a Store, and how to close and remove it. */
export interface StoreFixture {
  store: Store;
  cleanup(): Promise<void>;
}

/** A name unique to this run: the tests share one database, so nothing may collide. */
const unique = (base: string) => `${base}_${crypto.randomUUID().slice(0, 8)}`;

/**
 * The Store contract: one suite, run against every implementation (PGlite and PostgreSQL). The
 * database is opened once per suite; every test makes its own users and rooms.
 */
export function storeContract(name: string, connect: () => Promise<StoreFixture>) {
  describe(`Store contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeAll(async () => {
      fixture = await connect();
      store = fixture.store;
    });
    afterAll(() => fixture?.cleanup());

    const newUser = async (base = "u"): Promise<User> => {
      const user = await store.createUser({ id: crypto.randomUUID(), username: unique(base), passwordHash: "hash" });
      if (!user) throw new Error("username taken");
      return user;
    };
    const newRoom = async (createdBy: User, name = unique("room")) => {
      const room = await store.createRoom({ id: crypto.randomUUID(), name, topic: "a topic", createdBy: createdBy.id, createdAt: new Date() });
      if (!room) throw new Error("room name taken");
      return room;
    };
    const send = (roomId: string, user: User, body: string, clientId: string | null = null, extra: Partial<NewMessage> = {}) =>
      store.appendMessage({ id: crypto.randomUUID(), roomId, user, body, clientId, createdAt: new Date(), ...extra });
    const seqs = (messages: Message[]) => messages.map((m) => m.seq);
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

    idempotencyContract(() => store);

    it("answers ping", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    describe("users", () => {
      it("stores a user and refuses the same name in another case", async () => {
        const username = unique("Alice");
        const id = crypto.randomUUID();
        expect(await store.createUser({ id, username, passwordHash: "h1" })).toEqual({ id, username });
        expect(await store.createUser({ id: crypto.randomUUID(), username: username.toUpperCase(), passwordHash: "h2" })).toBeNull();
        expect(await store.createUser({ id: crypto.randomUUID(), username, passwordHash: "h3" })).toBeNull();
        expect(await store.findUserByName(username)).toEqual({ id, username, passwordHash: "h1", lockedAt: null });
      });

      it("finds users by name case-insensitively and by id", async () => {
        const user = await newUser("MiXeD");
        expect(await store.findUserByName(user.username.toLowerCase())).toEqual({ ...user, passwordHash: "hash", lockedAt: null });
        expect(await store.findUserByName(user.username.toUpperCase())).toMatchObject(user);
        expect(await store.findUser(user.id)).toEqual(user);
        expect(await store.findUserByName(unique("nobody"))).toBeNull();
        expect(await store.findUser(crypto.randomUUID())).toBeNull();
      });
    });

    refreshTokenContract(
      () => store,
      () => newUser(),
    );

    roomEventsContract(async () => {
      const [alice, bob, outsider] = await Promise.all([newUser("alice"), newUser("bob"), newUser("out")]);
      const room = await newRoom(alice);
      await store.join(room.id, bob.id);
      const { message } = await send(room.id, alice, "hello");
      return { store, roomId: room.id, alice, bob, outsider, message };
    });

    userEventsContract(async () => {
      const [alice, bob, carol, dave] = await Promise.all([newUser("alice"), newUser("bob"), newUser("carol"), newUser("dave")]);
      const room = await newRoom(alice);
      await Promise.all([store.join(room.id, bob.id), store.join(room.id, carol.id)]);
      return { store, roomId: room.id, alice, bob, carol, dave };
    });

    searchContract(async () => {
      const [alice, bob, carol] = await Promise.all([newUser("alice"), newUser("bob"), newUser("carol")]);
      const [ops, dev] = [await newRoom(alice, unique("ops")), await newRoom(alice, unique("dev"))];
      await Promise.all([store.join(ops.id, bob.id), store.join(dev.id, bob.id)]);
      return { store, ops, dev, alice, bob, carol };
    });

    accessContract(() => ({ store, newUser }));
    uploadsContract(async () => {
      const [alice, bob, carol] = await Promise.all([newUser("alice"), newUser("bob"), newUser("carol")]);
      const room = await newRoom(alice);
      await store.join(room.id, bob.id);
      return { store, roomId: room.id, alice, bob, carol };
    });

    describe("rooms", () => {
      it("fills in missing skeletons, oldest first, marking a later lookalike instead", async () => {
        const alice = await newUser();
        const base = unique("old");
        const first = await newRoom(alice, `${base}-one`);
        const second = await newRoom(alice, `${base}-two`);
        // Both made without skeletons (as before they existed); this skeleton makes them lookalikes.
        const skeleton = (name: string) => (name.startsWith(base) ? `skel:${base}` : `skel:${name}`);
        let looked = 0;
        for (let n; (n = await store.fillNameSkeletons(skeleton, 100)) > 0;) looked += n;
        expect(looked).toBeGreaterThanOrEqual(2);
        expect(await store.fillNameSkeletons(skeleton, 100)).toBe(0);
        // The older room holds the skeleton now: a new lookalike is refused, and the second room is still there.
        expect(
          await store.createRoom({
            id: crypto.randomUUID(),
            name: `${base}-three`,
            topic: "",
            createdBy: alice.id,
            createdAt: new Date(),
            nameSkeleton: `skel:${base}`,
          }),
        ).toBeNull();
        expect(await store.getRoom(first.id)).not.toBeNull();
        expect(await store.getRoom(second.id)).not.toBeNull();
      });

      it("makes the creator a member and refuses a name taken in another case", async () => {
        const alice = await newUser();
        const name = unique("General");
        const room = await newRoom(alice, name);
        expect(room).toMatchObject({ name, topic: "a topic", createdBy: alice.id, memberCount: 1 });
        expect(await store.getRoom(room.id)).toEqual(room);
        expect(await store.isMember(room.id, alice.id)).toBe(true);
        expect(await store.members(room.id)).toEqual([{ ...alice, role: "owner" }]);
        expect(await store.roomIdsOf(alice.id)).toEqual([room.id]);
        const again = { id: crypto.randomUUID(), topic: "", createdBy: alice.id, createdAt: new Date() };
        expect(await store.createRoom({ ...again, name: name.toUpperCase() })).toBeNull();
        // A lookalike (same skeleton, another name) is refused too, when skeletons are given.
        const skeleton = `skel_${crypto.randomUUID()}`;
        expect(await store.createRoom({ ...again, id: crypto.randomUUID(), name: `${name}-a`, nameSkeleton: skeleton })).not.toBeNull();
        expect(await store.createRoom({ ...again, id: crypto.randomUUID(), name: `${name}-b`, nameSkeleton: skeleton })).toBeNull();
        expect(await store.createRoom({ ...again, name })).toBeNull();
        expect(await store.getRoom(again.id)).toBeNull();
      });

      it("lists rooms by member count, then name, with counts", async () => {
        const tag = unique("order");
        const [alice, bob, carol] = [await newUser(), await newUser(), await newUser()];
        const quiet = await newRoom(alice, `${tag}-c`);
        const busy = await newRoom(alice, `${tag}-b`);
        const alsoQuiet = await newRoom(alice, `${tag}-A`);
        const middling = await newRoom(alice, `${tag}-d`);
        for (const u of [bob, carol]) await store.join(busy.id, u.id);
        await store.join(middling.id, bob.id);
        const listed = await store.listRooms({ query: tag, limit: 10 });
        const expected = [
          [busy.id, 3],
          [middling.id, 2],
          [alsoQuiet.id, 1],
          [quiet.id, 1],
        ];
        expect(listed.map((r) => [r.id, r.memberCount])).toEqual(expected);
        expect(listed[0]).toEqual({ ...busy, memberCount: 3 });
        expect(await store.listRooms({ query: tag, limit: 2 })).toEqual(listed.slice(0, 2));
      });

      it("searches names case-insensitively, taking % and _ literally", async () => {
        const tag = unique("q").toLowerCase();
        const alice = await newUser();
        const percent = await newRoom(alice, `50%${tag}`);
        await newRoom(alice, `50x${tag}`);
        const underscore = await newRoom(alice, `a_b${tag}`);
        await newRoom(alice, `axb${tag}`);
        const backslash = await newRoom(alice, `c\\d${tag}`);
        await newRoom(alice, `cd${tag}`);
        const ids = async (query: string) => (await store.listRooms({ query, limit: 10 })).map((r) => r.id);
        expect(await ids(`50%${tag}`)).toEqual([percent.id]);
        expect(await ids(`a_b${tag}`)).toEqual([underscore.id]);
        expect(await ids(`c\\d${tag}`)).toEqual([backslash.id]);
        expect(await ids(`A_B${tag.toUpperCase()}`)).toEqual([underscore.id]);
        expect((await ids(tag)).length).toBe(6);
        expect(await ids(unique("absent"))).toEqual([]);
      });

      it("lists only the rooms a member belongs to", async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const one = await newRoom(alice);
        const two = await newRoom(alice);
        await newRoom(alice);
        await store.join(one.id, bob.id);
        await store.join(two.id, bob.id);
        const listed = await store.listRooms({ memberId: bob.id, limit: 50 });
        expect(listed.map((r) => r.id).sort()).toEqual([one.id, two.id].sort());
        expect(listed.every((r) => r.memberCount === 2)).toBe(true);
        expect(await store.listRooms({ memberId: (await newUser()).id, limit: 50 })).toEqual([]);
        expect((await store.roomIdsOf(bob.id)).sort()).toEqual([one.id, two.id].sort());
      });
    });

    describe("memberships", () => {
      it("joins and leaves idempotently", async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await newRoom(alice);
        expect(await store.isMember(room.id, bob.id)).toBe(false);
        await store.join(room.id, bob.id);
        await store.join(room.id, bob.id);
        expect(await store.isMember(room.id, bob.id)).toBe(true);
        expect((await store.members(room.id)).filter((m) => m.id === bob.id)).toEqual([{ ...bob, role: "member" }]);
        expect((await store.getRoom(room.id))?.memberCount).toBe(2);
        await store.leave(room.id, bob.id);
        await store.leave(room.id, bob.id);
        expect(await store.isMember(room.id, bob.id)).toBe(false);
        expect(await store.members(room.id)).toEqual([{ ...alice, role: "owner" }]);
        expect((await store.getRoom(room.id))?.memberCount).toBe(1);
      });

      it("keeps memberCount equal to the memberships under concurrent joins and leaves", async () => {
        const owner = await newUser();
        const room = await newRoom(owner);
        const others = await Promise.all([1, 2, 3, 4, 5, 6].map(() => newUser()));
        await Promise.all(others.flatMap((u) => [store.join(room.id, u.id), store.join(room.id, u.id)]));
        await Promise.all(others.slice(0, 4).flatMap((u) => [store.leave(room.id, u.id), store.join(room.id, others[5]!.id), store.leave(room.id, u.id)]));
        expect((await store.getRoom(room.id))?.memberCount).toBe((await store.members(room.id)).length);
        expect((await store.getRoom(room.id))?.memberCount).toBe(3);
      });

      it("lists members by name, case-insensitively", async () => {
        const tag = unique("m");
        const make = async (username: string) => (await store.createUser({ id: crypto.randomUUID(), username, passwordHash: "h" }))!;
        const zed = await make(`Z${tag}`);
        const amy = await make(`a${tag}`);
        const bea = await make(`B${tag}`);
        const room = await newRoom(zed);
        for (const u of [amy, bea]) await store.join(room.id, u.id);
        expect(await store.members(room.id)).toEqual([
          { ...amy, role: "member" },
          { ...bea, role: "member" },
          { ...zed, role: "owner" },
        ]);
      });
    });

    describe("messages", () => {
      let alice: User;
      let bob: User;
      let roomId: string;

      beforeEach(async () => {
        [alice, bob] = [await newUser("alice"), await newUser("bob")];
        roomId = (await newRoom(alice)).id;
        await store.join(roomId, bob.id);
      });

      it("stores nothing from a non-member, alone or in a batch with members", async () => {
        const carol = await newUser("carol");
        await expect(send(roomId, carol, "not in the room")).rejects.toBeInstanceOf(NotMemberError);
        await store.join(roomId, carol.id);
        expect((await send(roomId, carol, "in now")).message.seq).toBe(1);
        await store.leave(roomId, carol.id);
        // Concurrent sends share a statement: the member's land, gapless; the one who left gets NotMemberError.
        const results = await Promise.allSettled([send(roomId, alice, "a"), send(roomId, carol, "left"), send(roomId, bob, "b")]);
        expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
        expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(NotMemberError);
        expect(seqs((await store.history(roomId, { limit: 10 })).messages)).toEqual([1, 2, 3]);
        await expect(send(crypto.randomUUID(), alice, "no such room")).rejects.not.toBeInstanceOf(NotMemberError);
      });

      it("answers which (room, user) pairs are memberships in one call", async () => {
        const other = (await newRoom(bob)).id;
        const pairs = [
          { roomId, userId: alice.id },
          { roomId, userId: bob.id },
          { roomId: other, userId: alice.id },
          { roomId: other, userId: bob.id },
        ];
        expect(await store.memberPairs(pairs)).toEqual(new Set([`${roomId}|${alice.id}`, `${roomId}|${bob.id}`, `${other}|${bob.id}`]));
        expect(await store.memberPairs([])).toEqual(new Set());
      });

      it("numbers each room's messages 1, 2, 3 with no gaps", async () => {
        const other = (await newRoom(bob)).id;
        const first = await send(roomId, alice, "one");
        expect(first.created).toBe(true);
        expect(first.message).toMatchObject({ roomId, seq: 1, user: alice, body: "one", clientId: null });
        expect((await send(roomId, bob, "two")).message.seq).toBe(2);
        expect((await send(other, bob, "elsewhere")).message.seq).toBe(1);
        expect((await send(roomId, alice, "three")).message.seq).toBe(3);
        const page = await store.history(roomId, { limit: 10 });
        const expected = [
          [1, "one", alice.username],
          [2, "two", bob.username],
          [3, "three", alice.username],
        ];
        expect(page.messages.map((m) => [m.seq, m.body, m.user.username])).toEqual(expected);
        expect(page.messages[0]).toEqual(first.message);
      });

      it("returns the first message for a repeated clientId and stores nothing new", async () => {
        const first = await send(roomId, alice, "hello", "client-1");
        const repeat = await send(roomId, alice, "hello again", "client-1");
        expect(repeat.created).toBe(false);
        expect(repeat.message).toEqual(first.message);
        expect((await store.history(roomId, { limit: 10 })).messages).toEqual([first.message]);
        expect((await store.lastSeqs([roomId])).get(roomId)).toBe(1);
        // The repeat consumed no seq.
        expect((await send(roomId, alice, "next")).message.seq).toBe(2);
        // The key is per user and per room.
        const bobs = await send(roomId, bob, "bob's", "client-1");
        expect(bobs).toMatchObject({ created: true, message: { seq: 3, body: "bob's" } });
        const elsewhere = await send((await newRoom(alice)).id, alice, "other room", "client-1");
        expect(elsewhere).toMatchObject({ created: true, message: { seq: 1 } });
      });

      it("gives 20 concurrent sends to one room seqs 1..20, each once", async () => {
        const results = await Promise.all(range(1, 20).map((i) => send(roomId, i % 2 ? alice : bob, `m${i}`)));
        expect(results.every((r) => r.created)).toBe(true);
        expect(results.map((r) => r.message.seq).sort((x, y) => x - y)).toEqual(range(1, 20));
        const stored = (await store.history(roomId, { limit: 50 })).messages;
        expect(seqs(stored)).toEqual(range(1, 20));
        // Each stored seq belongs to the send that was told it.
        const bySeq = new Map(results.map((r) => [r.message.seq, r.message.body]));
        expect(stored.every((m) => bySeq.get(m.seq) === m.body)).toBe(true);
        expect((await store.lastSeqs([roomId])).get(roomId)).toBe(20);
      });

      it("stores exactly one of 10 concurrent sends with the same clientId", async () => {
        const results = await Promise.all(range(1, 10).map((i) => send(roomId, alice, `try ${i}`, "same-client")));
        expect(results.filter((r) => r.created)).toHaveLength(1);
        const winner = results.find((r) => r.created)!.message;
        expect(results.every((r) => r.message.id === winner.id && r.message.seq === 1)).toBe(true);
        expect((await store.history(roomId, { limit: 50 })).messages).toEqual([winner]);
        expect((await send(roomId, alice, "after")).message.seq).toBe(2);
      });

      describe("history of 25 messages", () => {
        beforeEach(async () => {
          for (const i of range(1, 25)) await send(roomId, alice, `m${i}`);
        });

        it("pages back from the newest", async () => {
          const newest = await store.history(roomId, { limit: 10 });
          expect(seqs(newest.messages)).toEqual(range(16, 25));
          expect(newest.hasMore).toBe(true);
          const before = await store.history(roomId, { beforeSeq: 16, limit: 10 });
          expect(seqs(before.messages)).toEqual(range(6, 15));
          expect(before.hasMore).toBe(true);
          const oldest = await store.history(roomId, { beforeSeq: 6, limit: 10 });
          expect(seqs(oldest.messages)).toEqual(range(1, 5));
          expect(oldest.hasMore).toBe(false);
          const all = await store.history(roomId, { limit: 25 });
          expect(seqs(all.messages)).toEqual(range(1, 25));
          expect(all.hasMore).toBe(false);
        });

        it("pages forward from afterSeq", async () => {
          const after = await store.history(roomId, { afterSeq: 5, limit: 10 });
          expect(seqs(after.messages)).toEqual(range(6, 15));
          expect(after.hasMore).toBe(true);
          const tail = await store.history(roomId, { afterSeq: 20, limit: 10 });
          expect(seqs(tail.messages)).toEqual(range(21, 25));
          expect(tail.hasMore).toBe(false);
          expect(await store.history(roomId, { afterSeq: 25, limit: 10 })).toEqual({ messages: [], hasMore: false });
        });

        it("keeps between both bounds", async () => {
          const inside = await store.history(roomId, { afterSeq: 5, beforeSeq: 12, limit: 10 });
          expect(seqs(inside.messages)).toEqual(range(6, 11));
          expect(inside.hasMore).toBe(false);
          const capped = await store.history(roomId, { afterSeq: 5, beforeSeq: 20, limit: 10 });
          expect(seqs(capped.messages)).toEqual(range(6, 15));
          expect(capped.hasMore).toBe(true);
          expect((await store.history(roomId, { afterSeq: 10, beforeSeq: 11, limit: 10 })).messages).toEqual([]);
        });

        it("honours the limit", async () => {
          const one = await store.history(roomId, { limit: 1 });
          expect(seqs(one.messages)).toEqual([25]);
          expect(one.hasMore).toBe(true);
          expect(seqs((await store.history(roomId, { afterSeq: 0, limit: 3 })).messages)).toEqual([1, 2, 3]);
        });

        it("returns a range oldest first, at most limit", async () => {
          expect(seqs(await store.range(roomId, 5, 10, 100))).toEqual(range(6, 10));
          expect(seqs(await store.range(roomId, 5, 10, 3))).toEqual([6, 7, 8]);
          expect(seqs(await store.range(roomId, 0, 25, 100))).toEqual(range(1, 25));
          expect(await store.range(roomId, 25, 30, 100)).toEqual([]);
          const [m] = await store.range(roomId, 6, 7, 1);
          expect(m).toMatchObject({ roomId, seq: 7, body: "m7", user: alice });
        });
      });

      it("has an empty history in a new room", async () => {
        expect(await store.history(roomId, { limit: 10 })).toEqual({ messages: [], hasMore: false });
        expect(await store.range(roomId, 0, 10, 10)).toEqual([]);
      });

      it("reports each room's last seq", async () => {
        const other = (await newRoom(alice)).id;
        const empty = (await newRoom(alice)).id;
        for (const body of ["a", "b", "c"]) await send(roomId, alice, body);
        await send(other, alice, "x");
        const expected = new Map([
          [roomId, 3],
          [other, 1],
          [empty, 0],
        ]);
        expect(await store.lastSeqs([roomId, other, empty])).toEqual(expected);
        expect(await store.lastSeqs([])).toEqual(new Map());
        expect((await store.lastSeqs([crypto.randomUUID()])).size).toBe(0);
      });

      it("round-trips bodies byte for byte", async () => {
        const bodies = [
          `<script>alert("x")</script> &amp; & <img src=x onerror='y'>`,
          "👩‍👩‍👧‍👦 🇺🇦 ✨ e\u0301 vs é",
          "שלום עולם — مرحبا بالعالم \u202Ebackwards\u202C",
          `'single' "double" \`back\` ‘curly’ “curly” \\ backslash \\n not a newline`,
          "line one\nline two\r\n\ttabbed  ",
          "%_ ' ; drop table messages; --",
        ];
        const created = new Date(Date.UTC(2026, 1, 3, 4, 5, 6, 789));
        const sent: Message[] = [];
        for (const body of bodies) sent.push((await send(roomId, alice, body, null, { createdAt: created })).message);
        const stored = (await store.history(roomId, { limit: 50 })).messages;
        expect(stored).toEqual(sent);
        expect(stored.map((m) => Buffer.from(m.body).toString("hex"))).toEqual(bodies.map((b) => Buffer.from(b).toString("hex")));
        expect(stored.every((m) => m.createdAt === created.toISOString())).toBe(true);
      });
    });
  });
}
