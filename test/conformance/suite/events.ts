import { beforeEach, describe, expect, it } from "vitest";
import type { RoomEvent, ServerFrame } from "@parley/protocol";
import { ApiClient, type SocketClient } from "../../support/client.ts";
import { uniqueName } from "../../support/services.ts";
import { type SuiteContext, eventually, expectError, range, settle } from "./support.ts";

const V2 = { protocols: ["parley.v2"] };
const V1 = { protocols: ["parley.v1"] };
const enc = encodeURIComponent;

/** Edits, deletions and reactions: the room's event stream (docs/protocol.md, "Events"). */
export function eventTests({ first, target, sockets }: SuiteContext) {
  const layouts = [
    { label: "on one target", ends: () => [first(), first()] as const, needs: 1 },
    { label: "across two targets", ends: () => [target().urls[0]!, target().urls[1]!] as const, needs: 2 },
  ];

  /** Two members of a fresh room (alice created it) and a message of alice's. */
  async function conversation(here: string, there: string) {
    const alice = new ApiClient(here);
    const aliceUser = await alice.register(uniqueName("alice"));
    const bob = new ApiClient(there);
    const bobUser = await bob.register(uniqueName("bob"));
    const room = await alice.createRoom(uniqueName("Events"));
    await bob.join(room.id);
    const posted = await alice.request("POST", `/api/rooms/${room.id}/messages`, { body: "first draft", clientId: "m-1" });
    return { alice, aliceUser, bob, bobUser, room, message: posted.json.message };
  }
  const messagePath = (roomId: string, messageId: string) => `/api/rooms/${roomId}/messages/${messageId}`;
  /** Every frame after the `subscribed` of `roomId` that is a message or an event, as `kind@seq`. */
  const stream = (socket: SocketClient, roomId: string) =>
    socket.frames
      .filter((f): f is Extract<ServerFrame, { type: "message" | "event" }> => f.type === "message" || f.type === "event")
      .filter((f) => (f.type === "message" ? f.message.roomId : f.roomId) === roomId)
      .map((f) => (f.type === "message" ? `message.created@${f.message.seq}` : `${f.kind}@${f.seq}`));

  for (const layout of layouts) {
    describe(`events, ${layout.label}`, () => {
      let here: string;
      let there: string;
      beforeEach((ctx) => {
        if (target().urls.length < layout.needs) return ctx.skip();
        [here, there] = layout.ends();
      });

      it("delivers edits, reactions and deletions live to v2 subscribers once and in seq order, and not to v1", async () => {
        const { alice, bob, room, message } = await conversation(here, there);
        const b = sockets.add(await bob.socket(V2));
        const old = sockets.add(await bob.socket(V1));
        await b.subscribe(room.id);
        await old.subscribe(room.id);
        const path = messagePath(room.id, message.id);
        const edited = await alice.request("PATCH", path, { body: "final text" });
        expect(edited.status).toBe(200);
        expect(edited.json.message).toMatchObject({ id: message.id, seq: message.seq, body: "final text", editedAt: expect.any(String) });
        expect((await bob.request("PUT", `${path}/reactions/${enc("👍🏽")}`)).json.reactions).toEqual([{ emoji: "👍🏽", count: 1, me: true }]);
        expect((await alice.request("PUT", `${path}/reactions/${enc("👍🏽")}`)).json.reactions).toEqual([{ emoji: "👍🏽", count: 2, me: true }]);
        expect((await bob.request("DELETE", `${path}/reactions/${enc("👍🏽")}`)).json.reactions).toEqual([{ emoji: "👍🏽", count: 1, me: false }]);
        const deleted = await alice.request("DELETE", path);
        expect(deleted.json.message).toMatchObject({ id: message.id, body: "", deleted: true });
        const s = message.seq;
        const expected = [
          `message.edited@${s + 1}`,
          `reaction.added@${s + 2}`,
          `reaction.added@${s + 3}`,
          `reaction.removed@${s + 4}`,
          `message.deleted@${s + 5}`,
        ];
        await eventually(async () => stream(b, room.id).length >= expected.length);
        await settle();
        expect(stream(b, room.id)).toEqual(expected);
        const events = b.all("event") as RoomEvent[];
        expect(events[0]).toEqual({
          type: "event",
          roomId: room.id,
          seq: s + 1,
          kind: "message.edited",
          at: expect.any(String),
          message: { id: message.id, body: "final text", editedAt: expect.any(String) },
        });
        expect(events[1]!.reaction).toEqual({ messageId: message.id, emoji: "👍🏽", user: { id: expect.any(String), username: expect.any(String) } });
        expect(events[4]!.message).toEqual({ id: message.id, body: "", deleted: true });
        // v1 sees none of it live; its next message frame simply skips the seqs the events took.
        await alice.request("POST", `/api/rooms/${room.id}/messages`, { body: "after", clientId: "m-2" });
        await old.waitForMessages(room.id, 1);
        expect(old.all("event")).toEqual([]);
        expect(old.messages(room.id).map((m) => m.seq)).toEqual([s + 6]);
      });

      it("replays every event missed to a v2 client resuming with afterSeq, exactly once", async () => {
        const { alice, bob, room, message } = await conversation(here, there);
        const path = messagePath(room.id, message.id);
        await alice.request("PATCH", path, { body: "v2" });
        await bob.request("PUT", `${path}/reactions/${enc("🎉")}`);
        await alice.request("POST", `/api/rooms/${room.id}/messages`, { body: "second", clientId: "m-2" });
        await alice.request("PATCH", path, { body: "v3" });
        const b = sockets.add(await bob.socket(V2));
        await b.subscribe(room.id, message.seq);
        const s = message.seq;
        await eventually(async () => stream(b, room.id).length >= 4);
        await settle();
        expect(stream(b, room.id)).toEqual([`message.edited@${s + 1}`, `reaction.added@${s + 2}`, `message.created@${s + 3}`, `message.edited@${s + 4}`]);
        // Resuming from the last seq seen replays nothing.
        const again = sockets.add(await bob.socket(V2));
        await again.subscribe(room.id, s + 4);
        await settle();
        expect(stream(again, room.id)).toEqual([]);
      });

      it("shows the current state in history: edited, deleted, and reactions for the reader", async () => {
        const { alice, bob, room, message } = await conversation(here, there);
        const path = messagePath(room.id, message.id);
        await alice.request("PATCH", path, { body: "second draft" });
        await bob.request("PUT", `${path}/reactions/${enc("❤️")}`);
        const other = (await bob.request("POST", `/api/rooms/${room.id}/messages`, { body: "to delete", clientId: "b-1" })).json.message;
        await bob.request("DELETE", messagePath(room.id, other.id));
        const [shown, tombstone] = (await alice.history(room.id)).messages;
        expect(shown).toMatchObject({ id: message.id, body: "second draft", editedAt: expect.any(String), reactions: [{ emoji: "❤️", count: 1, me: false }] });
        expect(tombstone).toMatchObject({ id: other.id, body: "", deleted: true });
        expect((await alice.request("GET", `${path}/edits`)).json).toEqual({ edits: [{ body: "first draft", editedAt: expect.any(String) }] });
        const who = (await alice.request("GET", `${path}/reactions`)).json.reactions;
        expect(who).toEqual([{ emoji: "❤️", count: 1, me: false, users: [{ id: expect.any(String), username: expect.any(String) }] }]);
      });
    });
  }

  describe("threads", () => {
    it("keeps replies out of the room's timeline unless also sent to the room, counts them on the parent, and pages the thread", async () => {
      const { alice, bob, room, message } = await conversation(first(), first());
      const b = sockets.add(await bob.socket(V2));
      await b.subscribe(room.id);
      const post = (api: ApiClient, body: Record<string, unknown>) => api.request("POST", `/api/rooms/${room.id}/messages`, body);
      const replies = [];
      for (const i of range(1, 3))
        replies.push((await post(i % 2 ? bob : alice, { body: `reply ${i}`, parentId: message.id, alsoToRoom: i === 3 })).json.message);
      expect(replies[0]).toMatchObject({ parentId: message.id, seq: message.seq + 1 });
      expect(replies[2]).toMatchObject({ parentId: message.id, alsoToRoom: true });
      // Replies are events of the room's stream: subscribers get them live.
      await eventually(async () => b.messages(room.id).length >= 3);
      expect(b.messages(room.id).map((m) => m.parentId)).toEqual([message.id, message.id, message.id]);
      const timeline = (await alice.history(room.id)).messages;
      expect(timeline.map((m) => m.body)).toEqual(["first draft", "reply 3"]);
      expect(timeline[0]).toMatchObject({ replyCount: 3, lastReplyAt: replies[2].createdAt });
      const thread = (await alice.request("GET", `${messagePath(room.id, message.id)}/thread?limit=2`)).json;
      expect(thread.parent).toMatchObject({ id: message.id, replyCount: 3 });
      expect(thread.messages.map((m: { body: string }) => m.body)).toEqual(["reply 2", "reply 3"]);
      expect(thread.hasMore).toBe(true);
      const older = (await alice.request("GET", `${messagePath(room.id, message.id)}/thread?beforeSeq=${replies[1].seq}`)).json;
      expect(older.messages.map((m: { body: string }) => m.body)).toEqual(["reply 1"]);
      expect(older.hasMore).toBe(false);
    });

    it("refuses a reply to a reply, to a deleted message or to a message of another room, storing nothing", async () => {
      const { alice, room, message } = await conversation(first(), first());
      const post = (body: Record<string, unknown>, roomId = room.id) => alice.request("POST", `/api/rooms/${roomId}/messages`, body);
      const reply = (await post({ body: "a reply", parentId: message.id })).json.message;
      expectError(await post({ body: "nested", parentId: reply.id }), 404, "not_found");
      const elsewhere = await alice.createRoom(uniqueName("Other"));
      expectError(await post({ body: "cross-room", parentId: message.id }, elsewhere.id), 404, "not_found");
      expectError(await post({ body: "bad id", parentId: "nope" }), 400, "invalid_request");
      await alice.request("DELETE", messagePath(room.id, message.id));
      expectError(await post({ body: "to a tombstone", parentId: message.id }), 404, "not_found");
      const all = (await alice.request("GET", `${messagePath(room.id, message.id)}/thread`)).json.messages;
      expect(all.map((m: { body: string }) => m.body)).toEqual(["a reply"]);
      expect((await alice.history(room.id)).messages.map((m) => m.seq)).toEqual([message.seq]);
    });
  });

  describe("events: rules", () => {
    it("lets only the author edit, the author or the room's creator delete, and only members react", async () => {
      const { alice, bob, room, message } = await conversation(first(), first());
      const outsider = new ApiClient(first());
      await outsider.register(uniqueName("out"));
      const path = messagePath(room.id, message.id);
      expectError(await bob.request("PATCH", path, { body: "mine now" }), 403, "forbidden");
      expectError(await bob.request("DELETE", path), 403, "forbidden");
      expectError(await outsider.request("PUT", `${path}/reactions/${enc("👍")}`), 403, "forbidden");
      expectError(await outsider.request("GET", `${path}/reactions`), 403, "forbidden");
      const bobs = (await bob.request("POST", `/api/rooms/${room.id}/messages`, { body: "bob's", clientId: "b-1" })).json.message;
      expect((await alice.request("DELETE", messagePath(room.id, bobs.id))).status).toBe(200);
    });

    it("refuses what is not valid, clearly, and changes nothing", async () => {
      const { alice, room, message } = await conversation(first(), first());
      const path = messagePath(room.id, message.id);
      expectError(await alice.request("PATCH", path, { body: "" }), 400, "invalid_request");
      expectError(await alice.request("PATCH", path, { body: "x".repeat(4001) }), 400, "invalid_request");
      expectError(await alice.request("PATCH", path, {}), 400, "invalid_request");
      for (const emoji of ["a", "👍👍", " ", "<b>", "👍 "]) expectError(await alice.request("PUT", `${path}/reactions/${enc(emoji)}`), 400, "invalid_request");
      expectError(await alice.request("PATCH", messagePath(room.id, crypto.randomUUID()), { body: "x" }), 404, "not_found");
      expectError(await alice.request("PATCH", messagePath(room.id, "not-a-uuid"), { body: "x" }), 404, "not_found");
      expectError(await alice.request("GET", `${messagePath(room.id, crypto.randomUUID())}/edits`), 404, "not_found");
      await alice.request("DELETE", path);
      expectError(await alice.request("PATCH", path, { body: "back" }), 409, "conflict");
      expectError(await alice.request("PUT", `${path}/reactions/${enc("👍")}`), 409, "conflict");
      const [shown] = (await alice.history(room.id)).messages;
      expect(shown).toMatchObject({ body: "", deleted: true });
    });

    it("makes repeats idempotent: the same edit, reaction or deletion again takes no seq", async () => {
      const { alice, room, message } = await conversation(first(), first());
      const path = messagePath(room.id, message.id);
      for (const _ of range(1, 3)) {
        expect((await alice.request("PATCH", path, { body: "same" })).status).toBe(200);
        expect((await alice.request("PUT", `${path}/reactions/${enc("👀")}`)).json.reactions).toEqual([{ emoji: "👀", count: 1, me: true }]);
      }
      const a = sockets.add(await alice.socket(V2));
      await a.subscribe(room.id, message.seq);
      await eventually(async () => stream(a, room.id).length >= 2);
      await settle();
      expect(stream(a, room.id)).toEqual([`message.edited@${message.seq + 1}`, `reaction.added@${message.seq + 2}`]);
    });

    it("does the same over the WebSocket: edit and delete answered by ack, react by reactions, refusals by error frames with the clientId", async () => {
      const { alice, bob, room, message } = await conversation(first(), first());
      const a = sockets.add(await alice.socket(V2));
      const b = sockets.add(await bob.socket(V2));
      await a.subscribe(room.id);
      const ask = async <T extends ServerFrame["type"]>(socket: SocketClient, frame: Record<string, unknown>, answer: T) => {
        const clientId = crypto.randomUUID();
        const reply = Promise.race([
          socket.next(answer, (f) => "clientId" in f && f.clientId === clientId),
          socket.next("error", (f) => f.clientId === clientId),
        ]);
        socket.send({ ...frame, roomId: room.id, clientId });
        return reply;
      };
      const edited = await ask(a, { type: "edit", messageId: message.id, body: "over the socket" }, "ack");
      expect(edited).toMatchObject({ type: "ack", message: { id: message.id, body: "over the socket", editedAt: expect.any(String) } });
      const reacted = await ask(b, { type: "react", messageId: message.id, emoji: "🚀", on: true }, "reactions");
      expect(reacted).toMatchObject({ type: "reactions", roomId: room.id, messageId: message.id, reactions: [{ emoji: "🚀", count: 1, me: true }] });
      expect(await ask(b, { type: "edit", messageId: message.id, body: "not mine" }, "ack")).toMatchObject({
        type: "error",
        code: "forbidden",
        roomId: room.id,
      });
      expect(await ask(b, { type: "react", messageId: message.id, emoji: "nope", on: true }, "reactions")).toMatchObject({
        type: "error",
        code: "invalid_request",
      });
      const gone = await ask(a, { type: "delete", messageId: message.id }, "ack");
      expect(gone).toMatchObject({ type: "ack", message: { id: message.id, body: "", deleted: true } });
      await eventually(async () => stream(a, room.id).length >= 3);
      expect(stream(a, room.id)).toEqual([`message.edited@${message.seq + 1}`, `reaction.added@${message.seq + 2}`, `message.deleted@${message.seq + 3}`]);
    });

    it("replays a retried edit with its Idempotency-Key instead of undoing a later one", async () => {
      const { alice, room, message } = await conversation(first(), first());
      const path = messagePath(room.id, message.id);
      const keyed = () => alice.request("PATCH", path, { body: "one" }, { "idempotency-key": "edit-one" });
      expect((await keyed()).json.message.body).toBe("one");
      await alice.request("PATCH", path, { body: "two" });
      const retried = await keyed();
      expect(retried.headers.get("idempotency-replayed")).toBe("true");
      expect(retried.json.message.body).toBe("one");
      expect((await alice.history(room.id)).messages[0]!.body).toBe("two");
    });

    it("keeps reaction counts exact when 100 people toggle the same emoji at once", async () => {
      const { alice, room, message } = await conversation(first(), first());
      // Registered four at a time (an address may have four passwords hashing at once); the toggles below all go together.
      const people: ApiClient[] = [];
      for (let i = 1; i <= 100; i += 4) {
        people.push(
          ...(await Promise.all(
            range(i, i + 3).map(async (n) => {
              const api = new ApiClient(first());
              await api.register(uniqueName(`storm${n}`));
              await api.join(room.id);
              return api;
            }),
          )),
        );
      }
      const path = `${messagePath(room.id, message.id)}/reactions/${enc("🔥")}`;
      // Everyone adds; the even ones take it back; all at once. A toggle refused for load (429, 503
      // with Retry-After, as a loaded machine may answer) is tried again, as a client would.
      const toggle = async (api: ApiClient, method: "PUT" | "DELETE") => {
        for (let attempt = 0; ; attempt++) {
          const res = await api.request(method, path);
          if (res.status === 200) return;
          if (![429, 503].includes(res.status) || attempt === 20) throw new Error(`${method} ${res.status} ${res.text}`);
          await settle(Number(res.headers.get("retry-after") ?? 1) * 1000 * (0.5 + Math.random()));
        }
      };
      await Promise.all(people.map(async (api, i) => (await toggle(api, "PUT"), i % 2 === 0 ? await toggle(api, "DELETE") : undefined)));
      const [fire] = (await alice.request("GET", `${messagePath(room.id, message.id)}/reactions`)).json.reactions;
      expect(fire.count).toBe(50);
      expect(fire.users).toHaveLength(50);
      expect(new Set(fire.users.map((u: { id: string }) => u.id)).size).toBe(50);
    });
  });
}
