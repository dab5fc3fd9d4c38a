import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Room } from "@parley/protocol";
import { ApiClient } from "../../support/client.ts";
import { uniqueName } from "../../support/services.ts";
import { type SuiteContext, expectError, expectRoomShape, sortById, eventually } from "./support.ts";

export function roomTests({ first, sockets }: SuiteContext) {
  describe("rooms", () => {
    it("creates a room with 201 {room}; the creator is its one member", async () => {
      const api = new ApiClient(first());
      const user = await api.register(uniqueName());
      const name = uniqueName("Room");
      const res = await api.request("POST", "/api/rooms", { name, topic: "a topic" });
      expect(res.status, res.text).toBe(201);
      expectRoomShape(res.json.room);
      expect(res.json.room).toMatchObject({ name, topic: "a topic", createdBy: user.id, memberCount: 1, onlineCount: 0 });
      const noTopic = await api.createRoom(uniqueName("room"));
      expect(noTopic.topic).toBe("");
    });

    it("answers 409 for a room name taken in another case", async () => {
      const api = new ApiClient(first());
      await api.register(uniqueName());
      const name = uniqueName("Dup");
      await api.createRoom(name);
      expectError(await api.request("POST", "/api/rooms", { name: name.toUpperCase() }), 409, "conflict");
    });

    it("checks names (1–64 characters) and topics (≤ 256 characters)", async () => {
      const api = new ApiClient(first());
      await api.register(uniqueName());
      for (const body of [{ name: "" }, { name: "   " }, { name: uniqueName("r").padEnd(65, "x") }, { name: uniqueName("r"), topic: "t".repeat(257) }, {}]) {
        expectError(await api.request("POST", "/api/rooms", body), 400, "invalid_request");
      }
      // Characters are code points: 64 of them, 116 UTF-16 units.
      const name = uniqueName("r");
      const longest = await api.request("POST", "/api/rooms", { name: name + "😀".repeat(64 - name.length), topic: "t".repeat(256) });
      expect(longest.status, longest.text).toBe(201);
      expectError(await new ApiClient(first()).request("POST", "/api/rooms", { name: uniqueName("r") }), 401, "unauthorized");
    });

    it("lists rooms with memberCount, onlineCount (and, as extensions, joined and ?q=)", async () => {
      const owner = new ApiClient(first());
      await owner.register(uniqueName());
      const other = new ApiClient(first());
      await other.register(uniqueName());
      const room = await owner.createRoom(uniqueName("Listed"));
      await other.join(room.id);
      const res = await other.request("GET", "/api/rooms");
      expect(res.status).toBe(200);
      for (const r of res.json.rooms) expectRoomShape(r);
      // The list is capped (500 rooms on a worker): after many runs against one database ours may be past it.
      if (res.json.rooms.length < 500) expect((res.json.rooms as Room[]).map((r) => r.id)).toContain(room.id);
      const found = await other.request("GET", `/api/rooms?q=${encodeURIComponent(room.name.toUpperCase())}`);
      // A member's rooms carry their read state: other has read everything before joining.
      expect(found.json.rooms).toEqual([
        {
          ...room,
          memberCount: 2,
          onlineCount: 0,
          // The creator owns the room; the caller who joined is a member.
          role: "member",
          joined: true,
          lastReadSeq: 0,
          unreadCount: 0,
          mentionCount: 0,
          notifications: { level: "default", muted: false },
        },
      ]);
      const outsider = new ApiClient(first());
      await outsider.register(uniqueName());
      const mine = await outsider.request("GET", "/api/rooms?joined=true");
      expect(mine.json.rooms).toEqual([]);
    });

    it("gets a room as {room, online}; 404 for an unknown or malformed id", async () => {
      const api = new ApiClient(first());
      await api.register(uniqueName());
      const room = await api.createRoom(uniqueName("Got"));
      const res = await api.request("GET", `/api/rooms/${room.id}`);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ room, online: [] });
      expectError(await api.request("GET", `/api/rooms/${randomUUID()}`), 404, "not_found");
      expectError(await api.request("GET", "/api/rooms/not-a-uuid"), 404, "not_found");
      expectError(await api.request("POST", `/api/rooms/${randomUUID()}/join`), 404, "not_found");
      expectError(await api.request("GET", `/api/rooms/${randomUUID()}/members`), 404, "not_found");
    });

    it("joins and leaves idempotently with 200 {room}", async () => {
      const owner = new ApiClient(first());
      await owner.register(uniqueName());
      const room = await owner.createRoom(uniqueName("Door"));
      const guest = new ApiClient(first());
      await guest.register(uniqueName());
      for (let i = 0; i < 2; i++) {
        const res = await guest.request("POST", `/api/rooms/${room.id}/join`);
        expect(res.status, res.text).toBe(200);
        expect(res.json.room).toMatchObject({ id: room.id, memberCount: 2 });
      }
      for (let i = 0; i < 2; i++) {
        const res = await guest.request("POST", `/api/rooms/${room.id}/leave`);
        expect(res.status, res.text).toBe(200);
        expect(res.json.room).toMatchObject({ id: room.id, memberCount: 1 });
      }
    });

    it("lists members with online flags, and who is online in /presence", async () => {
      const owner = new ApiClient(first());
      const ownerUser = await owner.register(uniqueName());
      const room = await owner.createRoom(uniqueName("Members"));
      const guest = new ApiClient(first());
      const guestUser = await guest.register(uniqueName());
      await guest.join(room.id);
      const socket = sockets.add(await owner.socket());
      await socket.subscribe(room.id);

      const members = await guest.request("GET", `/api/rooms/${room.id}/members`);
      expect(members.status).toBe(200);
      expect(sortById(members.json.members)).toEqual(
        sortById([
          { ...ownerUser, online: true, role: "owner" },
          { ...guestUser, online: false, role: "member" },
        ]),
      );
      const presence = await guest.request("GET", `/api/rooms/${room.id}/presence`);
      expect(presence.json).toEqual({ online: [ownerUser] });
      const got = await guest.request("GET", `/api/rooms/${room.id}`);
      expect(got.json).toMatchObject({ room: { onlineCount: 1 }, online: [ownerUser] });
      expect((await guest.request("GET", `/api/rooms?q=${room.name}`)).json.rooms).toMatchObject([{ id: room.id, memberCount: 2, onlineCount: 1 }]);

      await socket.close();
      await eventually(async () => (await guest.request("GET", `/api/rooms/${room.id}/presence`)).json.online.length === 0);
    });
  });
}
