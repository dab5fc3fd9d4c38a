import type { Message, User } from "@parley/protocol";
import { describe, expect, it } from "vitest";
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
  });
}
