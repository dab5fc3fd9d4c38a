import { parseSearchQuery, type Upload, type User } from "@parley/protocol";
import { describe, expect, it } from "vitest";
import type { NewMessage, Store } from "./store.ts";
import { AttachmentRefused } from "./upload-store.ts";

/**
 * Uploads and attachments: part of the Store contract, run against PGlite and PostgreSQL.
 * `fixtures` makes a room of alice's with bob in it, and carol outside it.
 */
export function uploadsContract(fixtures: () => Promise<{ store: Store; roomId: string; alice: User; bob: User; carol: User }>) {
  describe("uploads", () => {
    const upload = async (store: Store, user: User, extra: Partial<Upload> = {}, createdAt = new Date()): Promise<Upload> => {
      const shape: Upload = { id: crypto.randomUUID(), name: "cat.png", size: 1234, contentType: "image/png", width: 40, height: 30, ...extra };
      await store.createUpload({ ...shape, userId: user.id, createdAt });
      return shape;
    };
    const send = (store: Store, roomId: string, user: User, extra: Partial<NewMessage> = {}) =>
      store.appendMessage({ id: crypto.randomUUID(), roomId, user, body: "", clientId: null, createdAt: new Date(), ...extra });

    it("stores an upload as its uploader's, unattached", async () => {
      const { store, alice } = await fixtures();
      const png = await upload(store, alice);
      const {
        width: _w,
        height: _h,
        ...plain
      } = await upload(store, alice, { name: "notes.txt", contentType: "text/plain", width: undefined, height: undefined });
      expect(await store.findUpload(png.id)).toMatchObject({ upload: png, userId: alice.id, roomId: null, messageId: null });
      expect((await store.findUpload(plain.id))?.upload).toEqual(plain);
      expect(await store.findUpload(crypto.randomUUID())).toBeNull();
    });

    it("gives uploads to the message that names them, in the order named, everywhere the message is read", async () => {
      const { store, roomId, alice, bob } = await fixtures();
      const [a, b] = [await upload(store, alice), await upload(store, alice, { name: "b.pdf", contentType: "application/pdf" })];
      const marker = `w${crypto.randomUUID().replace(/-/g, "").slice(0, 10)}`;
      const { message, created } = await send(store, roomId, alice, {
        body: `${marker} @${bob.username}`,
        attachments: [b!.id, a!.id],
        addressed: { usernames: [bob.username] },
      });
      expect(created).toBe(true);
      expect(message.attachments).toEqual([b, a]);
      expect(await store.findUpload(a!.id)).toMatchObject({ roomId, messageId: message.id });
      const read = (await store.history(roomId, { limit: 5 })).messages.find((m) => m.id === message.id);
      expect(read?.attachments).toEqual([b, a]);
      expect((await store.range(roomId, message.seq - 1, message.seq, 1))[0]?.attachments).toEqual([b, a]);
      expect((await store.log(roomId, message.seq - 1, message.seq, 1))[0]).toMatchObject({ attachments: [b, a] });
      const query = parseSearchQuery(marker);
      if (!query.ok) throw new Error(query.message);
      expect((await store.search(bob.id, { query: query.query }, { limit: 5 }))?.results[0]?.message.attachments).toEqual([b, a]);
      const [mention] = (await store.userLog(bob.id, 0, (await store.userLastSeqs([bob.id])).get(bob.id) ?? 0, 1000)).filter(
        (e) => e.message?.id === message.id,
      );
      expect(mention?.message?.attachments).toEqual([b, a]);
      // A message without files has no field at all.
      expect((await send(store, roomId, alice, { body: "plain" })).message).not.toHaveProperty("attachments");
    });

    it("gives files to a thread reply, shown in the thread", async () => {
      const { store, roomId, alice, bob } = await fixtures();
      const parent = (await send(store, roomId, alice, { body: "parent" })).message;
      const file = await upload(store, bob);
      const { message } = await send(store, roomId, bob, { body: "", parentId: parent.id, attachments: [file.id] });
      expect(message).toMatchObject({ parentId: parent.id, attachments: [file] });
      const page = await store.thread(roomId, parent.id, { limit: 10 });
      expect(page?.messages.map((m) => m.attachments)).toEqual([[file]]);
    });

    it("refuses someone else's, unknown or attached uploads, storing nothing", async () => {
      const { store, roomId, alice, bob } = await fixtures();
      const mine = await upload(store, alice);
      const theirs = await upload(store, bob);
      const before = (await store.lastSeqs([roomId])).get(roomId);
      for (const ids of [[mine.id, theirs.id], [crypto.randomUUID()], [mine.id, crypto.randomUUID()]])
        await expect(send(store, roomId, alice, { body: "x", attachments: ids })).rejects.toBeInstanceOf(AttachmentRefused);
      expect((await store.lastSeqs([roomId])).get(roomId)).toBe(before);
      expect(await store.findUpload(mine.id)).toMatchObject({ messageId: null });
      await send(store, roomId, alice, { body: "first", attachments: [mine.id] });
      await expect(send(store, roomId, alice, { body: "again", attachments: [mine.id] })).rejects.toBeInstanceOf(AttachmentRefused);
    });

    it("answers a repeated clientId with its message, attachments and all", async () => {
      const { store, roomId, alice } = await fixtures();
      const file = await upload(store, alice);
      const clientId = crypto.randomUUID();
      const first = await send(store, roomId, alice, { clientId, attachments: [file.id] });
      const again = await send(store, roomId, alice, { clientId, attachments: [file.id] });
      expect(again).toMatchObject({ created: false, message: { id: first.message.id, attachments: [file] } });
    });

    it("keeps the files through an edit and deletes them with the message", async () => {
      const { store, roomId, alice } = await fixtures();
      const file = await upload(store, alice);
      const { message } = await send(store, roomId, alice, { body: "see this", attachments: [file.id] });
      const edited = await store.editMessage({ roomId, messageId: message.id, user: alice, body: "see that", at: new Date() });
      expect(edited.message).toMatchObject({ body: "see that", attachments: [file] });
      const deleted = await store.deleteMessage({ roomId, messageId: message.id, user: alice, at: new Date() });
      expect(deleted.removedUploads).toEqual([file.id]);
      expect(deleted.message).not.toHaveProperty("attachments");
      expect(await store.findUpload(file.id)).toBeNull();
      const tombstone = (await store.history(roomId, { limit: 5 })).messages.find((m) => m.id === message.id);
      expect(tombstone).toMatchObject({ deleted: true, body: "" });
      expect(tombstone).not.toHaveProperty("attachments");
      // Deleting again removes nothing more.
      expect((await store.deleteMessage({ roomId, messageId: message.id, user: alice, at: new Date() })).removedUploads).toBeUndefined();
    });

    it("sweeps old unattached uploads once, leaving new and attached ones", async () => {
      const { store, roomId, alice } = await fixtures();
      const day = 24 * 3600 * 1000;
      const old = await upload(store, alice, {}, new Date(Date.now() - 2 * day));
      const fresh = await upload(store, alice);
      const kept = await upload(store, alice, {}, new Date(Date.now() - 2 * day));
      await send(store, roomId, alice, { attachments: [kept.id] });
      const cutoff = new Date(Date.now() - day);
      const swept: string[] = [];
      for (let ids; (ids = await store.sweepUploads(cutoff, 1000)).length > 0;) swept.push(...ids);
      expect(swept).toContain(old.id);
      expect(swept).not.toContain(fresh.id);
      expect(swept).not.toContain(kept.id);
      expect(await store.findUpload(old.id)).toBeNull();
      expect(await store.findUpload(fresh.id)).not.toBeNull();
      expect(await store.sweepUploads(cutoff, 1000)).not.toContain(old.id);
    });
  });
}
