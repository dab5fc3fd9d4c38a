import type { Message, User } from "@parley/protocol";
import { describe, expect, it } from "vitest";
import { NotMemberError } from "./message-inserts.ts";
import type { NewMessage, Store } from "./store.ts";

/**
 * Mentions and the users' streams: part of the Store contract, run against PGlite and PostgreSQL.
 * `fixtures` makes a room with alice (its creator), bob and carol as members, and dave outside it.
 */
export function userEventsContract(fixtures: () => Promise<{ store: Store; roomId: string; alice: User; bob: User; carol: User; dave: User }>) {
  const send = (store: Store, m: Omit<NewMessage, "id" | "clientId" | "createdAt"> & { clientId?: string }) =>
    store.appendMessage({ id: crypto.randomUUID(), clientId: null, createdAt: new Date(), ...m });
  const seqOf = async (store: Store, user: User) => (await store.userLastSeqs([user.id])).get(user.id)!;

  describe("mentions and user streams", () => {
    it("stores the named members as the message's mentions and gives each a mention at their next seq", async () => {
      const { store, roomId, alice, bob, carol, dave } = await fixtures();
      const [bob0, carol0] = [await seqOf(store, bob), await seqOf(store, carol)];
      const body = `@${bob.username} @${carol.username.toUpperCase()} @${dave.username} @${alice.username} @nobody`;
      const { message, userEvents } = await send(store, {
        roomId,
        user: alice,
        body,
        addressed: { usernames: [bob.username, carol.username, dave.username, alice.username, "nobody"].map((n) => n.toLowerCase()) },
      });
      // Dave is not a member and alice is the sender: neither is mentioned.
      expect([...(message.mentions ?? [])].sort()).toEqual([bob.id, carol.id].sort());
      expect(userEvents?.map((e) => e.userId).sort()).toEqual([bob.id, carol.id].sort());
      const toBob = userEvents!.find((e) => e.userId === bob.id)!.event;
      expect(toBob).toMatchObject({ type: "userEvent", kind: "mention", seq: bob0 + 1, roomId, message: { id: message.id, seq: message.seq } });
      expect(await seqOf(store, bob)).toBe(bob0 + 1);
      expect(await seqOf(store, carol)).toBe(carol0 + 1);
      const [stored] = (await store.history(roomId, { afterSeq: message.seq - 1, limit: 1 })).messages;
      expect([...stored!.mentions!].sort()).toEqual([bob.id, carol.id].sort());
      const log = await store.userLog(bob.id, bob0, bob0 + 1, 10);
      expect(log).toEqual([{ ...toBob, message: expect.objectContaining({ id: message.id, body, mentions: expect.arrayContaining([bob.id]) }) }]);
    });

    it("numbers each user's stream 1, 2, 3 without gaps under concurrent sends", async () => {
      const { store, roomId, alice, bob, carol } = await fixtures();
      const before = await seqOf(store, bob);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          send(store, { roomId, user: i % 2 ? alice : carol, body: `@${bob.username} ${i}`, addressed: { usernames: [bob.username.toLowerCase()] } }),
        ),
      );
      const log = await store.userLog(bob.id, before, before + 100, 100);
      expect(log.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => before + 1 + i));
      expect(new Set(log.map((e) => e.message!.id)).size).toBe(20);
    });

    it("@room reaches every member but the sender; @here only those online, after the message, and not the named twice", async () => {
      const { store, roomId, alice, bob, carol } = await fixtures();
      const all = await send(store, { roomId, user: alice, body: "@room lunch", addressed: { usernames: [], broadcast: "room" } });
      expect(all.message.mentions).toBeUndefined();
      expect(all.userEvents?.map((e) => e.userId).sort()).toEqual([bob.id, carol.id].sort());
      const here = await send(store, { roomId, user: alice, body: `@here @${bob.username}`, addressed: { usernames: [bob.username.toLowerCase()] } });
      expect(here.userEvents?.map((e) => e.userId)).toEqual([bob.id]);
      const online = await store.mentionOnline(here.message, [alice.id, bob.id, carol.id]);
      expect(online.map((e) => e.userId)).toEqual([carol.id]);
    });

    it("stores nothing for a repeated clientId: no second mention", async () => {
      const { store, roomId, alice, bob } = await fixtures();
      const m = { roomId, user: alice, body: `@${bob.username}`, clientId: "c-1", addressed: { usernames: [bob.username.toLowerCase()] } };
      const first = await send(store, m);
      const before = await seqOf(store, bob);
      const again = await send(store, m);
      expect(again).toMatchObject({ created: false, message: { id: first.message.id } });
      expect(again.userEvents ?? []).toEqual([]);
      expect(await seqOf(store, bob)).toBe(before);
    });

    it("an edit updates the mentions and mentions only the newly named", async () => {
      const { store, roomId, alice, bob, carol } = await fixtures();
      const { message } = await send(store, { roomId, user: alice, body: `hi @${bob.username}`, addressed: { usernames: [bob.username.toLowerCase()] } });
      const bobBefore = await seqOf(store, bob);
      const edited = await store.editMessage({
        roomId,
        messageId: message.id,
        user: alice,
        body: `hi @${bob.username} and @${carol.username}`,
        at: new Date(),
        usernames: [bob.username, carol.username].map((n) => n.toLowerCase()),
      });
      expect([...edited.message.mentions!].sort()).toEqual([bob.id, carol.id].sort());
      expect(edited.userEvents?.map((e) => e.userId)).toEqual([carol.id]);
      expect(await seqOf(store, bob)).toBe(bobBefore);
      const cleared = await store.editMessage({ roomId, messageId: message.id, user: alice, body: "hi all", at: new Date(), usernames: [] });
      expect(cleared.message.mentions).toBeUndefined();
    });

    it("counts mentions per room past a read seq", async () => {
      const { store, roomId, alice, bob } = await fixtures();
      const mention = () => send(store, { roomId, user: alice, body: `@${bob.username}`, addressed: { usernames: [bob.username.toLowerCase()] } });
      const first: Message = (await mention()).message;
      await mention();
      await mention();
      expect((await store.mentionCounts(bob.id, new Map())).get(roomId)).toBe(3);
      expect((await store.mentionCounts(bob.id, new Map([[roomId, first.seq]]))).get(roomId)).toBe(2);
      expect((await store.mentionCounts(alice.id, new Map())).has(roomId)).toBe(false);
    });

    it("keeps a read marker per member that only moves forward, logs each move in the user's stream, and counts what lies past it", async () => {
      const { store, roomId, alice, bob, carol } = await fixtures();
      const start = (await store.readStates(bob.id, [roomId])).get(roomId)!;
      // A member joins having read everything before.
      expect(start).toEqual({ lastReadSeq: (await store.lastSeqs([roomId])).get(roomId), unreadCount: 0, mentionCount: 0 });
      const first = (await send(store, { roomId, user: alice, body: "one" })).message;
      await send(store, { roomId, user: alice, body: `two @${bob.username}`, addressed: { usernames: [bob.username.toLowerCase()] } });
      await send(store, { roomId, user: bob, body: "my own does not count" });
      const deleted = (await send(store, { roomId, user: carol, body: "gone" })).message;
      await store.deleteMessage({ roomId, messageId: deleted.id, user: carol, at: new Date() });
      await send(store, { roomId, user: carol, body: "a reply only in its thread", parentId: first.id });
      const newest = (await send(store, { roomId, user: carol, body: "three" })).message;
      expect((await store.readStates(bob.id, [roomId])).get(roomId)).toEqual({ lastReadSeq: start.lastReadSeq, unreadCount: 3, mentionCount: 1 });
      // Counted up to a subscription's lastSeq: what comes after it the client adds as it arrives.
      expect((await store.readStates(bob.id, [roomId], new Map([[roomId, first.seq]]))).get(roomId)).toMatchObject({ unreadCount: 1, mentionCount: 0 });

      const before = await seqOf(store, bob);
      const moved = await store.markRead(bob.id, roomId, first.seq + 1, new Date());
      expect(moved.readState).toEqual({ lastReadSeq: first.seq + 1, unreadCount: 1, mentionCount: 0 });
      expect(moved.userEvents).toEqual([
        { userId: bob.id, event: { type: "userEvent", seq: before + 1, kind: "read", roomId, at: expect.any(String), readSeq: first.seq + 1 } },
      ]);
      // Back is no move, and no event; past the newest is the newest.
      expect(await store.markRead(bob.id, roomId, first.seq, new Date())).toEqual({ readState: moved.readState, userEvents: [] });
      const all = await store.markRead(bob.id, roomId, 10 ** 9, new Date());
      expect(all.readState).toEqual({ lastReadSeq: (await store.lastSeqs([roomId])).get(roomId), unreadCount: 0, mentionCount: 0 });
      expect(all.readState.lastReadSeq).toBeGreaterThanOrEqual(newest.seq);
      expect((await store.userLog(bob.id, before, before + 2, 10)).map((e) => [e.kind, e.readSeq])).toEqual([
        ["read", first.seq + 1],
        ["read", all.readState.lastReadSeq],
      ]);
      expect((await store.readStates(bob.id, [roomId])).get(roomId)?.lastReadSeq).toBe(all.readState.lastReadSeq);
    });

    it("refuses a read marker of a non-member and leaves other rooms out of readStates", async () => {
      const { store, roomId, dave } = await fixtures();
      await expect(store.markRead(dave.id, roomId, 1, new Date())).rejects.toBeInstanceOf(NotMemberError);
      expect((await store.readStates(dave.id, [roomId])).size).toBe(0);
    });
  });
}
