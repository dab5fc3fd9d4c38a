import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import type { Room, User } from "@parley/protocol";
import { ApiClient } from "../../support/client.ts";
import { uniqueName } from "../../support/services.ts";
import { type SuiteContext, expectError, expectMessageShape, range, seqs, postMany } from "./support.ts";

export function messageTests({ first }: SuiteContext) {
  describe("messages over HTTP", () => {
    let owner: ApiClient;
    let ownerUser: User;
    let room: Room;
    beforeEach(async () => {
      owner = new ApiClient(first());
      ownerUser = await owner.register(uniqueName());
      room = await owner.createRoom(uniqueName("Http"));
    });
    const post = (body: unknown, api = owner) => api.request("POST", `/api/rooms/${room.id}/messages`, body);

    it("stores a message with 201 {message}, trimmed, numbered from seq 1", async () => {
      const res = await post({ body: "  hello\tworld \n", clientId: "c-1" });
      expect(res.status, res.text).toBe(201);
      expectMessageShape(res.json.message);
      expect(res.json.message).toMatchObject({ roomId: room.id, seq: 1, user: ownerUser, body: "hello\tworld", clientId: "c-1" });
      const second = await post({ body: "no client id" });
      expect(second.json.message).toMatchObject({ seq: 2, clientId: null });
      expect((await owner.history(room.id)).messages).toEqual([res.json.message, second.json.message]);
    });

    it("answers a repeated clientId with 200 and the first message, storing nothing", async () => {
      const original = await post({ body: "once", clientId: "same" });
      const again = await post({ body: "twice?", clientId: "same" });
      expect(original.status).toBe(201);
      expect(again.status).toBe(200);
      expect(again.json.message).toEqual(original.json.message);
      expect((await owner.history(room.id)).messages).toEqual([original.json.message]);
      // The key is per user: someone else may use the same clientId.
      const other = new ApiClient(owner.baseUrl);
      await other.register(uniqueName());
      await other.join(room.id);
      expect((await post({ body: "mine", clientId: "same" }, other)).status).toBe(201);
    });

    it("answers 403 to non-members and 404 for unknown rooms", async () => {
      const outsider = new ApiClient(first());
      await outsider.register(uniqueName());
      expectError(await post({ body: "let me in" }, outsider), 403, "forbidden");
      expectError(await outsider.request("GET", `/api/rooms/${room.id}/messages`), 403, "forbidden");
      expectError(await outsider.request("POST", `/api/rooms/${randomUUID()}/messages`, { body: "hi" }), 404, "not_found");
      expect((await owner.history(room.id)).messages).toEqual([]);
    });

    it("checks bodies: 1–4000 code points after trimming, no NUL", async () => {
      for (const body of ["", "   \n\t  ", "x".repeat(4001), "😀".repeat(4001), "a\u0000b", 42, null]) {
        expectError(await post({ body }), 400, "invalid_request");
      }
      expectError(await post({}), 400, "invalid_request");
      const longest = await post({ body: "x".repeat(4000) });
      expect(longest.status, longest.text).toBe(201);
      const emoji = await post({ body: "😀".repeat(4000) });
      expect(emoji.status, emoji.text).toBe(201);
      expect(emoji.json.message.body).toBe("😀".repeat(4000));
      const padded = await post({ body: `   ${"y".repeat(4000)}   ` });
      expect(padded.status, padded.text).toBe(201);
    });

    it("pages history: newest first page, beforeSeq back without overlap or gap, afterSeq forward", async () => {
      await postMany(owner, room.id, 120);
      const newest = await owner.history(room.id);
      expect(newest.hasMore).toBe(true);
      expect(seqs(newest.messages)).toEqual(range(71, 120));
      const pages = [newest.messages];
      for (let hasMore = newest.hasMore; hasMore;) {
        const page = await owner.history(room.id, `?beforeSeq=${pages[0]![0]!.seq}`);
        pages.unshift(page.messages);
        hasMore = page.hasMore;
      }
      expect(pages.map((p) => p.length)).toEqual([20, 50, 50]);
      expect(seqs(pages.flat())).toEqual(range(1, 120));
      expect(pages.flat().map((m) => m.body)).toEqual(range(1, 120).map((i) => `message ${i}`));

      expect(await owner.history(room.id, "?afterSeq=100")).toMatchObject({ hasMore: false });
      expect(seqs((await owner.history(room.id, "?afterSeq=100")).messages)).toEqual(range(101, 120));
      const forward = await owner.history(room.id, "?afterSeq=0&limit=10");
      expect(seqs(forward.messages)).toEqual(range(1, 10));
      expect(forward.hasMore).toBe(true);
      expect(seqs((await owner.history(room.id, "?beforeSeq=11&limit=100")).messages)).toEqual(range(1, 10));
      expect(seqs((await owner.history(room.id, "?limit=1")).messages)).toEqual([120]);
      expect((await owner.history(room.id, "?limit=100")).messages).toHaveLength(100);
      expect(await owner.history(room.id, "?afterSeq=120")).toEqual({ messages: [], hasMore: false });
      for (const query of ["limit=0", "limit=101", "limit=abc", "limit=1.5", "beforeSeq=-1", "afterSeq=x"]) {
        expectError(await owner.request("GET", `/api/rooms/${room.id}/messages?${query}`), 400, "invalid_request");
      }
    });
  });
}
