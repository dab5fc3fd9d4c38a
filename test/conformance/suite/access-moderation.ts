import { describe, expect, it } from "vitest";
import type { RoomEvent } from "@parley/protocol";
import { ApiClient } from "../../support/client.ts";
import { type SuiteContext, eventually, expectError, settle } from "./support.ts";
import { admin, createRoom, invite, openDm, person, post, v2Socket, type Person } from "./access-support.ts";

/** Roles, kicks, bans, room settings and server admins. */
export function accessModerationTests({ first, target, sockets }: SuiteContext) {
  /** The other target when there are two (another worker), else the first. */
  const second = () => target().urls[1] ?? first();
  const role = async (api: ApiClient, roomId: string, userId: string) =>
    ((await api.request("GET", `/api/rooms/${roomId}/members`)).json.members as Array<{ id: string; role: string }>).find((m) => m.id === userId)?.role;
  const setRole = (api: ApiClient, roomId: string, userId: string, to: string) => api.request("PUT", `/api/rooms/${roomId}/members/${userId}`, { role: to });

  describe("access: roles and moderation", () => {
    /** A room of `visibility` owned by owner, with a moderator and two members. */
    async function team(visibility: "public" | "private") {
      const [owner, mod, bob, dan] = [await person(first(), "own"), await person(first(), "mod"), await person(first(), "bob"), await person(first(), "dan")];
      const room = await createRoom(owner.api, visibility);
      for (const p of [mod, bob, dan]) await invite(owner.api, room.id, p.user.id);
      expect((await setRole(owner.api, room.id, mod.user.id, "moderator")).status).toBe(200);
      return { owner, mod, bob, dan, room };
    }

    it("kicking ends the user's subscriptions on every worker (removed on v2, left on v1), and what they may do next", async () => {
      for (const visibility of ["private", "public"] as const) {
        const { owner, bob, room } = await team(visibility);
        const onOther = await v2Socket(new ApiClient(second(), bob.api.token), sockets.add);
        await onOther.subscribe(room.id);
        const v1 = sockets.add(await bob.api.socket());
        await v1.subscribe(room.id);
        const watcher = await v2Socket(owner.api, sockets.add, false);
        await watcher.subscribe(room.id);
        expect((await owner.api.request("DELETE", `/api/rooms/${room.id}/members/${bob.user.id}`)).json).toEqual({ ok: true });
        expect(await onOther.next("unsubscribed", (f) => f.roomId === room.id)).toEqual({ type: "unsubscribed", roomId: room.id, reason: "removed" });
        expect(await v1.next("unsubscribed", (f) => f.roomId === room.id)).toEqual({ type: "unsubscribed", roomId: room.id, reason: "left" });
        expect(await onOther.next("userEvent", (e) => e.kind === "membership")).toMatchObject({ roomId: room.id, membership: "removed" });
        const removed = await watcher.next("event", (e) => e.kind === "member.removed");
        expect(removed).toMatchObject({ member: { user: { id: bob.user.id } }, reason: "kicked", by: { id: owner.user.id } });
        const status = visibility === "private" ? 404 : 403;
        expect((await bob.api.request("POST", `/api/rooms/${room.id}/messages`, { body: "still here?" })).status).toBe(status);
        const clientId = `k-${crypto.randomUUID()}`;
        onOther.send({ type: "message", roomId: room.id, body: "still here?", clientId });
        expect(await onOther.next("error", (f) => f.clientId === clientId)).toMatchObject({ code: visibility === "private" ? "not_found" : "forbidden" });
        onOther.send({ type: "subscribe", roomId: room.id, afterSeq: 0 });
        expect(await onOther.next("error", (f) => f.roomId === room.id && f.clientId === undefined)).toMatchObject({
          code: visibility === "private" ? "not_found" : "forbidden",
        });
        expectError(await owner.api.request("DELETE", `/api/rooms/${room.id}/members/${bob.user.id}`), 404, "not_found");
      }
    });

    it("holds moderators to their rank, and refuses removing yourself and anyone from a DM", async () => {
      const { owner, mod, bob, room } = await team("public");
      const other = await person(first(), "mod2");
      await invite(owner.api, room.id, other.user.id);
      await setRole(owner.api, room.id, other.user.id, "moderator");
      expectError(await mod.api.request("DELETE", `/api/rooms/${room.id}/members/${owner.user.id}`), 403, "forbidden");
      expectError(await mod.api.request("DELETE", `/api/rooms/${room.id}/members/${other.user.id}`), 403, "forbidden");
      expectError(await mod.api.request("DELETE", `/api/rooms/${room.id}/members/${mod.user.id}`), 400, "invalid_request");
      expectError(await bob.api.request("DELETE", `/api/rooms/${room.id}/members/${mod.user.id}`), 403, "forbidden");
      expectError(await mod.api.request("PUT", `/api/rooms/${room.id}/members/${bob.user.id}`, { role: "moderator" }), 403, "forbidden");
      expect((await mod.api.request("DELETE", `/api/rooms/${room.id}/members/${bob.user.id}`)).status).toBe(200);
      // Moderators delete anyone's messages; members only their own.
      const message = await post(owner.api, room.id, "owner's words");
      await invite(owner.api, room.id, bob.user.id);
      expectError(await bob.api.request("DELETE", `/api/rooms/${room.id}/messages/${message.id}`), 403, "forbidden");
      expect((await mod.api.request("DELETE", `/api/rooms/${room.id}/messages/${message.id}`)).json.message).toMatchObject({ deleted: true });
      const { room: dm } = await openDm(owner.api, [bob.user.id]);
      expectError(await owner.api.request("DELETE", `/api/rooms/${dm.id}/members/${bob.user.id}`), 400, "invalid_request");
      expectError(await owner.api.request("PATCH", `/api/rooms/${dm.id}`, { topic: "x" }), 400, "invalid_request");
    });

    it("bans: the user is removed and can neither join nor be invited until unbanned", async () => {
      const { owner, mod, bob, room } = await team("public");
      const banned = await mod.api.request("POST", `/api/rooms/${room.id}/bans`, { userId: bob.user.id });
      expect(banned.status).toBe(201);
      expect(banned.json.ban).toMatchObject({ user: { id: bob.user.id }, bannedBy: { id: mod.user.id }, createdAt: expect.any(String) });
      expect((await mod.api.request("POST", `/api/rooms/${room.id}/bans`, { userId: bob.user.id })).status).toBe(200);
      expect(await role(owner.api, room.id, bob.user.id)).toBeUndefined();
      expectError(await bob.api.request("POST", `/api/rooms/${room.id}/join`), 403, "forbidden");
      expectError(await owner.api.request("POST", `/api/rooms/${room.id}/invites`, { userId: bob.user.id }), 403, "forbidden");
      expect((await owner.api.request("GET", `/api/rooms/${room.id}/bans`)).json.bans.map((b: { user: { id: string } }) => b.user.id)).toEqual([bob.user.id]);
      expectError(await bob.api.request("GET", `/api/rooms/${room.id}/bans`), 403, "forbidden");
      expect((await owner.api.request("DELETE", `/api/rooms/${room.id}/bans/${bob.user.id}`)).json).toEqual({ ok: true });
      expect((await bob.api.request("POST", `/api/rooms/${room.id}/join`)).status).toBe(200);
    });

    it("replays role changes and removals to a subscribe with afterSeq", async () => {
      const { owner, mod, bob, room } = await team("private");
      const start = (await owner.api.request("GET", `/api/rooms/${room.id}/messages`)).json.messages.length;
      expect(start).toBe(0);
      await setRole(owner.api, room.id, bob.user.id, "moderator");
      await owner.api.request("DELETE", `/api/rooms/${room.id}/members/${bob.user.id}`).catch(() => undefined);
      await mod.api.request("PATCH", `/api/rooms/${room.id}`, { topic: "new topic" });
      const later = await v2Socket(owner.api, sockets.add, false);
      await later.subscribe(room.id, 0);
      await eventually(async () => later.all("event").length >= 4);
      const kinds = later.all("event").map((e: RoomEvent) => e.kind);
      expect(kinds).toEqual(["member.role", "member.role", "member.removed", "room.updated"]);
      const events = later.all("event");
      expect(events[1]).toMatchObject({ member: { user: { id: bob.user.id }, role: "moderator" }, by: { id: owner.user.id } });
      expect(events[3]).toMatchObject({ room: { name: room.name, topic: "new topic", visibility: "private" }, by: { id: mod.user.id } });
      const seqs = events.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      // v1 gets none of them.
      const v1 = sockets.add(await owner.api.socket());
      await v1.subscribe(room.id, 0);
      await settle(200);
      expect(v1.all("event")).toEqual([]);
    });

    it("keeps an owner: the last one cannot step down, and when they leave the longest-standing moderator takes over", async () => {
      const { owner, mod, bob, room } = await team("private");
      expectError(await setRole(owner.api, room.id, owner.user.id, "member"), 409, "conflict");
      expectError(await setRole(owner.api, room.id, crypto.randomUUID(), "member"), 404, "not_found");
      const watcher = await v2Socket(bob.api, sockets.add, false);
      await watcher.subscribe(room.id);
      expect((await owner.api.request("POST", `/api/rooms/${room.id}/leave`)).status).toBe(200);
      expect(await role(bob.api, room.id, mod.user.id)).toBe("owner");
      expect(await watcher.next("event", (e) => e.kind === "member.role")).toMatchObject({ member: { user: { id: mod.user.id }, role: "owner" } });
      // Two owners: either may step down.
      expect((await setRole(mod.api, room.id, bob.user.id, "owner")).json.member).toMatchObject({ id: bob.user.id, role: "owner" });
      expect((await setRole(mod.api, room.id, mod.user.id, "member")).status).toBe(200);
      expectError(await setRole(bob.api, room.id, bob.user.id, "moderator"), 409, "conflict");
    });

    it("PATCHes a room for owners and moderators with the name rules, as a room.updated event", async () => {
      const { owner, mod, bob, room } = await team("public");
      const other = await createRoom(owner.api, "public");
      const watcher = await v2Socket(bob.api, sockets.add, false);
      await watcher.subscribe(room.id);
      expectError(await bob.api.request("PATCH", `/api/rooms/${room.id}`, { topic: "mine now" }), 403, "forbidden");
      expectError(await mod.api.request("PATCH", `/api/rooms/${room.id}`, {}), 400, "invalid_request");
      expectError(await mod.api.request("PATCH", `/api/rooms/${room.id}`, { name: other.name.toUpperCase() }), 409, "conflict");
      const res = await mod.api.request("PATCH", `/api/rooms/${room.id}`, { topic: "launch", visibility: "private" });
      expect(res.status).toBe(200);
      expect(res.json.room).toMatchObject({ id: room.id, topic: "launch", visibility: "private", role: "moderator" });
      expect(await watcher.next("event", (e) => e.kind === "room.updated")).toMatchObject({
        room: { name: room.name, topic: "launch", visibility: "private" },
        by: { id: mod.user.id },
      });
      // Private now: gone for strangers.
      const stranger = await person(first(), "x");
      expectError(await stranger.api.request("GET", `/api/rooms/${room.id}`), 404, "not_found");
    });

    it("server admins: lock closes the user's sockets and blocks sign-in; admins moderate rooms but cannot read DMs", async () => {
      const root = await admin(first());
      const me = await root.api.request("GET", "/api/me");
      expect(me.json).toEqual({ user: root.user, admin: true });
      const plain: Person = await person(first(), "plain");
      expect((await plain.api.request("GET", "/api/me")).json).toEqual({ user: plain.user });
      expectError(await plain.api.request("GET", "/api/admin/rooms"), 403, "forbidden");
      expectError(await plain.api.request("POST", `/api/admin/users/${root.user.id}/lock`), 403, "forbidden");

      const password = "correct horse battery";
      const login = () => new ApiClient(first()).request("POST", "/api/auth/login", { username: plain.user.username, password });
      const session = await login();
      const socket = sockets.add(await new ApiClient(second(), plain.api.token).socket({ protocols: ["parley.v2"] }));
      const locked = await root.api.request("POST", `/api/admin/users/${plain.user.id}/lock`);
      expect(locked.json).toEqual({ user: plain.user, lockedAt: expect.any(String) });
      expect((await socket.waitClose()).code).toBe(1008);
      expectError(await login(), 403, "forbidden");
      expectError(await new ApiClient(first()).request("POST", "/api/auth/refresh", { refreshToken: session.json.refreshToken }), 403, "forbidden");
      expect((await plain.api.request("GET", "/api/me")).status).toBe(401);
      expect((await root.api.request("POST", `/api/admin/users/${plain.user.id}/unlock`)).json).toEqual({ user: plain.user, lockedAt: null });
      expect((await login()).status).toBe(200);

      const [a, b] = [await person(first(), "dma"), await person(first(), "dmb")];
      const { room: dm } = await openDm(a.api, [b.user.id]);
      await post(a.api, dm.id, "between us");
      const listed = await root.api.request("GET", `/api/admin/rooms`);
      expect(listed.json.rooms.map((r: { id: string }) => r.id)).toContain(dm.id);
      for (const path of [`/api/rooms/${dm.id}/messages`, `/api/rooms/${dm.id}`]) expectError(await root.api.request("GET", path), 404, "not_found");
      expectError(await root.api.request("PATCH", `/api/rooms/${dm.id}`, { topic: "x" }), 404, "not_found");
      const priv = await createRoom(a.api, "private");
      const secret = await post(a.api, priv.id, "private words");
      expectError(await root.api.request("GET", `/api/rooms/${priv.id}/messages`), 404, "not_found");
      expect((await root.api.request("PATCH", `/api/rooms/${priv.id}`, { topic: "moderated" })).status).toBe(200);
      expect((await root.api.request("DELETE", `/api/rooms/${priv.id}/messages/${secret.id}`)).json.message).toMatchObject({ deleted: true, body: "" });
    });
  });
}
