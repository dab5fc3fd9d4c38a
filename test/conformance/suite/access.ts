import { describe, expect, it } from "vitest";
import type { Room, ServerFrame } from "@parley/protocol";
import type { ApiClient, SocketClient } from "../../support/client.ts";
import { type SuiteContext, expectError, settle } from "./support.ts";
import { createRoom, invite, openDm, person, post, rare, v2Socket } from "./access-support.ts";

/** One room-scoped request: method, path and body, given the room, a message in it and a user id. */
type Probe = [string, (ids: { room: string; message: string; user: string }) => string, unknown?];

/** Every room-scoped route (docs/protocol.md, "Private rooms, DMs and roles": the visibility rule). */
const PROBES: Probe[] = [
  ["GET", ({ room }) => `/api/rooms/${room}`],
  ["PATCH", ({ room }) => `/api/rooms/${room}`, { topic: "peek" }],
  ["GET", ({ room }) => `/api/rooms/${room}/members`],
  ["GET", ({ room }) => `/api/rooms/${room}/presence`],
  ["POST", ({ room }) => `/api/rooms/${room}/join`],
  ["POST", ({ room }) => `/api/rooms/${room}/leave`],
  ["POST", ({ room }) => `/api/rooms/${room}/read`, { seq: 1 }],
  ["PUT", ({ room }) => `/api/rooms/${room}/notifications`, { muted: true }],
  ["GET", ({ room }) => `/api/rooms/${room}/messages`],
  ["POST", ({ room }) => `/api/rooms/${room}/messages`, { body: "let me in" }],
  ["PATCH", ({ room, message }) => `/api/rooms/${room}/messages/${message}`, { body: "edited" }],
  ["DELETE", ({ room, message }) => `/api/rooms/${room}/messages/${message}`],
  ["GET", ({ room, message }) => `/api/rooms/${room}/messages/${message}/edits`],
  ["GET", ({ room, message }) => `/api/rooms/${room}/messages/${message}/thread`],
  ["GET", ({ room, message }) => `/api/rooms/${room}/messages/${message}/reactions`],
  ["PUT", ({ room, message }) => `/api/rooms/${room}/messages/${message}/reactions/${encodeURIComponent("👍")}`],
  ["DELETE", ({ room, message }) => `/api/rooms/${room}/messages/${message}/reactions/${encodeURIComponent("👍")}`],
  ["POST", ({ room }) => `/api/rooms/${room}/invites`, "invite-self"],
  ["PUT", ({ room, user }) => `/api/rooms/${room}/members/${user}`, { role: "moderator" }],
  ["DELETE", ({ room, user }) => `/api/rooms/${room}/members/${user}`],
  ["GET", ({ room }) => `/api/rooms/${room}/bans`],
  ["POST", ({ room }) => `/api/rooms/${room}/bans`, "ban-member"],
  ["DELETE", ({ room, user }) => `/api/rooms/${room}/bans/${user}`],
  ["POST", () => `/api/suggest`, "suggest"],
  ["GET", ({ room }) => `/api/search?q=hello&roomId=${room}`],
];

/** Private rooms, DMs, invites and the visibility rule. */
export function accessTests({ first, target, sockets }: SuiteContext) {
  /** The second target when there is one: a user on another worker. */
  const other = () => target().urls[1] ?? first();
  describe("access: private rooms and DMs", () => {
    /** A private room and a DM of alice and bob, each with a message; carol is in neither. */
    async function setting() {
      const [alice, bob, carol] = [await person(first(), "alice"), await person(first(), "bob"), await person(first(), "carol")];
      const word = rare();
      const priv = await createRoom(alice.api, "private");
      await invite(alice.api, priv.id, bob.user.id);
      const { room: dm } = await openDm(alice.api, [bob.user.id]);
      const inPriv = await post(alice.api, priv.id, `${word} private plans`);
      const inDm = await post(bob.api, dm.id, `${word} dm secret`);
      return { alice, bob, carol, priv, dm, word, messages: { [priv.id]: inPriv.id, [dm.id]: inDm.id } };
    }

    /** The answer to one probe, with the body it needs for the caller. */
    const ask = (api: ApiClient, probe: Probe, ids: { room: string; message: string; user: string }) => {
      const [method, path, body] = probe;
      const payload = body === "invite-self" || body === "ban-member" ? { userId: ids.user } : body === "suggest" ? { roomId: ids.room, text: "hel" } : body;
      return api.request(method, path(ids), payload);
    };

    it("answers a stranger on every room-scoped route exactly as for a room that does not exist", async () => {
      const { alice, carol, priv, dm, messages } = await setting();
      const nowhere = { room: crypto.randomUUID(), message: crypto.randomUUID(), user: alice.user.id };
      for (const room of [priv, dm]) {
        const ids = { room: room.id, message: messages[room.id]!, user: alice.user.id };
        for (const probe of PROBES) {
          const [unknown, hidden] = [await ask(carol.api, probe, nowhere), await ask(carol.api, probe, ids)];
          const label = `${room.kind} ${probe[0]} ${probe[1](ids)}`;
          expectError(hidden, 404, "not_found");
          expect(hidden.json, label).toEqual(unknown.json);
        }
      }
      // Nothing the stranger tried changed anything: the member still reads the room as it was.
      const history = await alice.api.request("GET", `/api/rooms/${priv.id}/messages`);
      expect(history.json.messages.map((m: { body: string; deleted?: boolean }) => m.deleted ?? false)).toEqual([false]);
      expect((await alice.api.request("GET", `/api/rooms/${priv.id}`)).json.room).toMatchObject({ memberCount: 2, topic: "" });
    });

    it("answers a stranger's subscribe, send and typing with the frames of a room that does not exist", async () => {
      const { carol, priv, dm } = await setting();
      const socket = sockets.add(await carol.api.socket({ protocols: ["parley.v2"] }));
      const errorsFor = async (roomId: string) => {
        const since = socket.frames.length;
        const clientId = `c-${crypto.randomUUID()}`;
        socket.send({ type: "subscribe", roomId });
        socket.send({ type: "message", roomId, body: "hi", clientId });
        socket.send({ type: "typing", roomId });
        await socket.next("error", (f) => f.clientId === clientId);
        await settle(200);
        return socket.frames
          .slice(since)
          .filter((f): f is Extract<ServerFrame, { type: "error" }> => f.type === "error")
          .map(({ roomId: _, clientId: __, ...rest }) => rest);
      };
      const unknown = await errorsFor(crypto.randomUUID());
      expect(unknown).toHaveLength(3);
      expect(await errorsFor(priv.id)).toEqual(unknown);
      expect(await errorsFor(dm.id)).toEqual(unknown);
      expect(socket.all("subscribed")).toEqual([]);
    });

    it("lists public rooms and the caller's private rooms, never DMs, and searches only rooms the caller is in", async () => {
      const { alice, bob, carol, priv, dm, word } = await setting();
      const pub = await createRoom(alice.api, "public");
      const ids = async (api: ApiClient, query = "") => ((await api.request("GET", `/api/rooms${query}`)).json.rooms as Room[]).map((r) => r.id);
      expect(await ids(carol.api)).toContain(pub.id);
      expect(await ids(carol.api)).not.toContain(priv.id);
      expect(await ids(carol.api, `?q=${encodeURIComponent(priv.name)}`)).toEqual([]);
      expect(await ids(bob.api, `?q=${encodeURIComponent(priv.name)}`)).toEqual([priv.id]);
      for (const api of [alice.api, bob.api, carol.api]) expect(await ids(api)).not.toContain(dm.id);
      expect(await ids(bob.api, "?joined=true")).not.toContain(dm.id);
      const listed = ((await bob.api.request("GET", `/api/rooms?q=${encodeURIComponent(priv.name)}`)).json.rooms as Room[])[0]!;
      expect(listed).toMatchObject({ kind: "room", visibility: "private", role: "member", joined: true });
      const found = async (api: ApiClient) =>
        (await api.request("GET", `/api/search?q=${word}`)).json.results.map((r: { message: { body: string } }) => r.message.body);
      expect(await found(carol.api)).toEqual([]);
      expect((await found(bob.api)).sort()).toEqual([`${word} dm secret`, `${word} private plans`]);
      // Gone from the room, gone from search.
      expect((await bob.api.request("POST", `/api/rooms/${priv.id}/leave`)).status).toBe(200);
      expect(await found(bob.api)).toEqual([`${word} dm secret`]);
    });

    it("opens one DM per set of users, in any order, 201 then 200, and lists it for each of them", async () => {
      const [a, b, c] = [await person(first(), "a"), await person(first(), "b"), await person(first(), "c")];
      const created = await openDm(a.api, [b.user.id, c.user.id]);
      expect(created.status).toBe(201);
      expect(created.room).toMatchObject({ kind: "dm", visibility: "private", role: "member", memberCount: 3 });
      expect(created.room.members!.map((m) => m.id).sort()).toEqual([a.user.id, b.user.id, c.user.id].sort());
      const again = await openDm(c.api, [a.user.id, b.user.id, c.user.id, a.user.id]);
      expect(again).toMatchObject({ status: 200, room: { id: created.room.id } });
      // A participant who left is a member again when the DM is opened again.
      expect((await b.api.request("POST", `/api/rooms/${created.room.id}/leave`)).status).toBe(200);
      expect((await b.api.request("GET", `/api/rooms/${created.room.id}`)).status).toBe(404);
      expect((await openDm(a.api, [c.user.id, b.user.id])).status).toBe(200);
      const listed = (await b.api.request("GET", "/api/dms")).json.dms as Array<Room & { unreadCount: number }>;
      expect(listed.map((d) => d.id)).toEqual([created.room.id]);
      expect(listed[0]).toMatchObject({ kind: "dm", members: expect.any(Array), lastReadSeq: expect.any(Number), unreadCount: 0, mentionCount: 0 });
      // A different set is a different DM.
      expect((await openDm(a.api, [b.user.id])).status).toBe(201);
      expectError(await a.api.request("POST", "/api/dms", { userIds: [a.user.id] }), 400, "invalid_request");
      const nine = Array.from({ length: 8 }, () => crypto.randomUUID());
      expectError(await a.api.request("POST", "/api/dms", { userIds: nine }), 400, "invalid_request");
      expectError(await a.api.request("POST", "/api/dms", { userIds: [crypto.randomUUID()] }), 404, "not_found");
    });

    it("finds users by username prefix for picking participants", async () => {
      const tag = rare();
      const [x] = [await person(first(), `${tag}x`), await person(first(), `${tag}y`)];
      const res = await x.api.request("GET", `/api/users?q=${tag.toUpperCase()}&limit=1`);
      expect(res.status).toBe(200);
      expect(res.json.users).toEqual([{ id: x.user.id, username: x.user.username }]);
      expect((await x.api.request("GET", `/api/users?q=${tag}`)).json.users).toHaveLength(2);
      expectError(await x.api.request("GET", `/api/users?q=${tag}&limit=51`), 400, "invalid_request");
    });

    it("lets owners and moderators invite to a private room, any member to a public one, and tells the invitee's devices", async () => {
      const [owner, member, guest, stranger] = [await person(first(), "o"), await person(first(), "m"), await person(first(), "g"), await person(first(), "s")];
      const priv = await createRoom(owner.api, "private");
      await invite(owner.api, priv.id, member.user.id);
      expectError(await member.api.request("POST", `/api/rooms/${priv.id}/invites`, { userId: guest.user.id }), 403, "forbidden");
      const devices = [await v2Socket(guest.api, sockets.add), await v2Socket(guest.api, sockets.add)];
      const added = await invite(owner.api, priv.id, guest.user.id);
      expect(added.status).toBe(201);
      expect(added.json.member).toMatchObject({ id: guest.user.id, username: guest.user.username, role: "member", online: expect.any(Boolean) });
      expect((await invite(owner.api, priv.id, guest.user.id)).status).toBe(200);
      for (const device of devices) {
        const event = await device.next("userEvent", (e) => e.kind === "membership");
        expect(event).toMatchObject({ kind: "membership", roomId: priv.id, membership: "added", room: { id: priv.id, visibility: "private", role: "member" } });
      }
      expect((await guest.api.request("GET", `/api/rooms/${priv.id}/messages`)).status).toBe(200);
      const pub = await createRoom(owner.api, "public");
      await member.api.join(pub.id);
      expect((await invite(member.api, pub.id, stranger.user.id)).status).toBe(201);
      expectError(await guest.api.request("POST", `/api/rooms/${pub.id}/invites`, { userId: guest.user.id }), 403, "forbidden");
      expectError(await owner.api.request("POST", `/api/rooms/${pub.id}/invites`, { userId: crypto.randomUUID() }), 404, "not_found");
      const { room: dm } = await openDm(owner.api, [member.user.id]);
      expectError(await owner.api.request("POST", `/api/rooms/${dm.id}/invites`, { userId: guest.user.id }), 400, "invalid_request");
    });

    it("tells every device of a user that they left a room, after the invite, in order, also after a resume", async () => {
      const [owner, walker] = [await person(first(), "o"), await person(other(), "w")];
      const room = await createRoom(owner.api, "private");
      const device = await v2Socket(walker.api, sockets.add);
      await invite(owner.api, room.id, walker.user.id);
      const added = await device.next("userEvent", (e) => e.kind === "membership");
      expect(added).toMatchObject({ roomId: room.id, membership: "added", room: { id: room.id, role: "member" } });
      expect((await walker.api.request("POST", `/api/rooms/${room.id}/leave`)).status).toBe(200);
      const left = await device.next("userEvent", (e) => e.kind === "membership" && e.membership !== "added");
      expect(left).toMatchObject({ roomId: room.id, membership: "left", seq: added.seq + 1 });
      // A device that was away reads both from the stream, the leave last: the room is not brought back.
      const page = await walker.api.request("GET", `/api/me/events?afterSeq=${added.seq - 1}`);
      expect(page.json.events.map((e: { membership?: string }) => e.membership)).toEqual(["added", "left"]);
    });
  });
}

export type { SocketClient };
