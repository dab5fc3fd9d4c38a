import type { Message, User } from "@parley/protocol";
import { describe, expect, it } from "vitest";
import { NotMemberError } from "./message-inserts.ts";
import { EventRefused } from "./room-events-store.ts";
import type { Store } from "./store.ts";

/**
 * Edits, deletions and reactions as events of the room's stream: part of the Store contract, run
 * against PGlite and PostgreSQL. `fixtures` makes a room with two members and a message by the first.
 */
export function roomEventsContract(fixtures: () => Promise<{ store: Store; roomId: string; alice: User; bob: User; outsider: User; message: Message }>) {
  const at = () => new Date();
  describe("room events", () => {
    it("numbers edits, deletions and reactions in the room's one sequence, and the log replays them in order", async () => {
      const { store, roomId, alice, bob, message } = await fixtures();
      const edited = await store.editMessage({ roomId, messageId: message.id, user: alice, body: "hello, edited", at: at() });
      expect(edited.event).toMatchObject({ type: "event", kind: "message.edited", seq: message.seq + 1, message: { id: message.id, body: "hello, edited" } });
      expect(edited.message).toMatchObject({ id: message.id, seq: message.seq, body: "hello, edited", editedAt: expect.any(String) });
      const reacted = await store.react({ roomId, messageId: message.id, user: bob, emoji: "👍", on: true, at: at() });
      expect(reacted.event).toMatchObject({ kind: "reaction.added", seq: message.seq + 2, reaction: { messageId: message.id, emoji: "👍", user: bob } });
      const second = (await store.appendMessage({ id: crypto.randomUUID(), roomId, user: bob, body: "next", clientId: null, createdAt: at() })).message;
      expect(second.seq).toBe(message.seq + 3);
      const log = await store.log(roomId, message.seq - 1, second.seq, 100);
      expect(log.map((e) => ("type" in e ? e.kind : "message.created"))).toEqual(["message.created", "message.edited", "reaction.added", "message.created"]);
      expect(log.map((e) => e.seq)).toEqual([message.seq, message.seq + 1, message.seq + 2, message.seq + 3]);
      expect((await store.log(roomId, message.seq, second.seq, 2)).map((e) => e.seq)).toEqual([message.seq + 1, message.seq + 2]);
      expect((await store.lastSeqs([roomId])).get(roomId)).toBe(second.seq);
    });

    it("changes nothing, and takes no seq, for a repeat: the same body, a reaction held, one not held, a deleted message", async () => {
      const { store, roomId, alice, bob, message } = await fixtures();
      const before = (await store.lastSeqs([roomId])).get(roomId);
      expect((await store.editMessage({ roomId, messageId: message.id, user: alice, body: message.body, at: at() })).event).toBeUndefined();
      expect((await store.react({ roomId, messageId: message.id, user: bob, emoji: "🎉", on: false, at: at() })).event).toBeUndefined();
      expect((await store.react({ roomId, messageId: message.id, user: bob, emoji: "🎉", on: true, at: at() })).event).toBeDefined();
      expect((await store.react({ roomId, messageId: message.id, user: bob, emoji: "🎉", on: true, at: at() })).event).toBeUndefined();
      expect((await store.deleteMessage({ roomId, messageId: message.id, user: alice, at: at() })).event).toBeDefined();
      expect((await store.deleteMessage({ roomId, messageId: message.id, user: alice, at: at() })).event).toBeUndefined();
      expect((await store.lastSeqs([roomId])).get(roomId)).toBe(before! + 2);
    });

    it("keeps the edit history, and a deletion removes the body from the message, its history and its reactions", async () => {
      const { store, roomId, alice, bob, message } = await fixtures();
      await store.editMessage({ roomId, messageId: message.id, user: alice, body: "second", at: at() });
      await store.editMessage({ roomId, messageId: message.id, user: alice, body: "third", at: at() });
      expect((await store.editsOf(roomId, message.id))!.map((e) => e.body)).toEqual([message.body, "second"]);
      await store.react({ roomId, messageId: message.id, user: bob, emoji: "❤️", on: true, at: at() });
      const deleted = await store.deleteMessage({ roomId, messageId: message.id, user: alice, at: at() });
      expect(deleted.message).toMatchObject({ id: message.id, body: "", deleted: true });
      expect(deleted.event).toMatchObject({ kind: "message.deleted", message: { id: message.id, deleted: true, body: "" } });
      expect(await store.editsOf(roomId, message.id)).toEqual([]);
      expect(await store.reactionsOf(roomId, message.id, bob.id)).toEqual([]);
      const [shown] = (await store.history(roomId, { afterSeq: message.seq - 1, limit: 1, viewerId: bob.id })).messages;
      expect(shown).toMatchObject({ id: message.id, body: "", deleted: true });
      expect(shown!.reactions).toBeUndefined();
      const replayed = await store.log(roomId, 0, Number.MAX_SAFE_INTEGER, 100);
      expect(JSON.stringify(replayed)).not.toContain(message.body);
      expect(JSON.stringify(replayed)).not.toContain("second");
      await expect(store.editMessage({ roomId, messageId: message.id, user: alice, body: "back?", at: at() })).rejects.toMatchObject({ code: "conflict" });
      await expect(store.react({ roomId, messageId: message.id, user: bob, emoji: "👍", on: true, at: at() })).rejects.toBeInstanceOf(EventRefused);
    });

    it("lets only the author edit, the author or the room's creator delete, and only members react", async () => {
      const { store, roomId, alice, bob, outsider } = await fixtures();
      const bobs = (await store.appendMessage({ id: crypto.randomUUID(), roomId, user: bob, body: "bob's", clientId: null, createdAt: at() })).message;
      await expect(store.editMessage({ roomId, messageId: bobs.id, user: alice, body: "not yours", at: at() })).rejects.toMatchObject({ code: "forbidden" });
      await expect(store.react({ roomId, messageId: bobs.id, user: outsider, emoji: "👍", on: true, at: at() })).rejects.toBeInstanceOf(NotMemberError);
      await expect(store.editMessage({ roomId, messageId: crypto.randomUUID(), user: bob, body: "x", at: at() })).rejects.toMatchObject({ code: "not_found" });
      // alice created the room: she may delete bob's message; bob may not delete hers.
      const alices = (await store.appendMessage({ id: crypto.randomUUID(), roomId, user: alice, body: "alice's", clientId: null, createdAt: at() })).message;
      await expect(store.deleteMessage({ roomId, messageId: alices.id, user: bob, at: at() })).rejects.toMatchObject({ code: "forbidden" });
      expect((await store.deleteMessage({ roomId, messageId: bobs.id, user: alice, at: at() })).message.deleted).toBe(true);
    });

    it("counts reactions per emoji in order of first reaction, with who and whether the reader reacted", async () => {
      const { store, roomId, alice, bob, message } = await fixtures();
      await store.react({ roomId, messageId: message.id, user: bob, emoji: "👀", on: true, at: at() });
      await store.react({ roomId, messageId: message.id, user: alice, emoji: "👍🏽", on: true, at: at() });
      const mine = await store.react({ roomId, messageId: message.id, user: alice, emoji: "👀", on: true, at: at() });
      expect(mine.reactions).toEqual([
        { emoji: "👀", count: 2, me: true },
        { emoji: "👍🏽", count: 1, me: true },
      ]);
      expect((await store.reactionsOf(roomId, message.id, bob.id))!.map((r) => [r.emoji, r.count, r.me, r.users.map((u) => u.id)])).toEqual([
        ["👀", 2, true, [bob.id, alice.id]],
        ["👍🏽", 1, false, [alice.id]],
      ]);
      const [shown] = (await store.history(roomId, { afterSeq: message.seq - 1, limit: 1, viewerId: bob.id })).messages;
      expect(shown!.reactions).toEqual([
        { emoji: "👀", count: 2, me: true },
        { emoji: "👍🏽", count: 1, me: false },
      ]);
    });

    it("keeps counts exact when many users toggle the same emoji at once", async () => {
      const { store, roomId, message } = await fixtures();
      const users = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const user = (await store.createUser({ id: crypto.randomUUID(), username: `storm_${i}_${crypto.randomUUID().slice(0, 6)}`, passwordHash: "h" }))!;
          await store.join(roomId, user.id);
          return user;
        }),
      );
      await Promise.all(
        users.flatMap((user) => [true, false, true].map((on) => store.react({ roomId, messageId: message.id, user, emoji: "🔥", on, at: at() }))),
      );
      const [fire] = (await store.reactionsOf(roomId, message.id, users[0]!.id))!;
      const log = await store.log(roomId, message.seq, Number.MAX_SAFE_INTEGER, 1000);
      const net = log.reduce((n, e) => n + ("type" in e && e.reaction?.emoji === "🔥" ? (e.kind === "reaction.added" ? 1 : -1) : 0), 0);
      expect(fire?.count ?? 0).toBe(net);
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => message.seq + 1 + i));
    });
  });
}
