import type { Hono, MiddlewareHandler } from "hono";
import { memberRoleSchema, userRefSchema, type User } from "@parley/protocol";
import type { Store } from "@parley/db";
import { ApiError, type Clock, notFound } from "@parley/common";
import { readJson } from "../http/body.ts";
import type { AppEnv } from "../http/context.ts";
import type { Presence } from "../ports/presence.ts";
import type { RoomHub } from "../realtime/room-hub.ts";
import { RoomGate } from "./room-gate.ts";
import { userIdParam } from "./room-id.ts";

/** Invites, roles, kicks and bans (docs/protocol.md, "Private rooms, DMs and roles"); who may do what is role-rules.ts. */
export function registerMemberRoutes(
  app: Hono<AppEnv>,
  deps: { store: Store; presence: Presence; hub: RoomHub; clock: Clock; authenticate: MiddlewareHandler<AppEnv> },
) {
  const { store, presence, hub, clock, authenticate } = deps;
  const gate = new RoomGate(store);
  const now = () => new Date(clock.now());
  /** A user who exists and is not locked: the one an invite or ban names. */
  const activeUser = async (userId: string): Promise<User> => {
    const account = await store.account(userId);
    if (!account || account.lockedAt) throw notFound("user");
    return account.user;
  };
  const isOnline = async (roomId: string, userId: string) => (await presence.online(roomId).catch(() => [])).some((u) => u.id === userId);

  app.post("/api/rooms/:roomId/invites", authenticate, async (c) => {
    const { userId } = await readJson(c, userRefSchema);
    const { room } = await gate.allowed(c.req.param("roomId"), c.get("user").id, "invite");
    const invitee = await activeUser(userId);
    const target = await store.roomAccess(room.id, invitee.id);
    if (target?.banned) throw new ApiError("forbidden", "that user is banned from this room: unban them first");
    if (target?.role) return c.json({ member: { ...invitee, role: target.role, online: await isOnline(room.id, invitee.id) } }, 200);
    const { status, userEvents } = await store.addMember(room.id, invitee.id, now());
    if (status === "banned") throw new ApiError("forbidden", "that user is banned from this room: unban them first");
    hub.users.published(userEvents);
    return c.json({ member: { ...invitee, role: "member", online: await isOnline(room.id, invitee.id) } }, status === "added" ? 201 : 200);
  });

  app.put("/api/rooms/:roomId/members/:userId", authenticate, async (c) => {
    const { role } = await readJson(c, memberRoleSchema);
    const { room } = await gate.allowed(c.req.param("roomId"), c.get("user").id, "setRole");
    const result = await store.setRole(room.id, userIdParam(c.req.param("userId")), role, c.get("user"), now());
    if (result.status === "not_member") throw notFound("member");
    if (result.status === "last_owner") throw new ApiError("conflict", "the room needs an owner: make someone else owner first");
    if (result.event) hub.published(result.event);
    return c.json({ member: { ...result.member, online: await isOnline(room.id, result.member.id) } });
  });

  /** A ban may name a locked user too (to keep them out once unlocked), but not an unknown one. */
  const knownUser = async (userId: string) => {
    if (!(await store.account(userId))) throw notFound("user");
  };

  /** Kick (`reason` "kicked") or ban: the rank rules, the store's change, the event, and the user's subscriptions ended on every worker. */
  const remove = async (roomParam: string, userParam: string, by: User, reason: "kicked" | "banned") => {
    const access = await gate.see(roomParam, by.id, { moderating: true });
    const userId = userIdParam(userParam);
    // Rights first, so a stranger learns nothing about who is a member.
    RoomGate.check(access, "remove");
    const target = await store.roomAccess(access.room.id, userId);
    if (reason === "kicked" && !target?.role) throw notFound("member");
    if (reason === "banned") await knownUser(userId);
    RoomGate.check(access, "remove", { role: target?.role ?? null, self: userId === by.id });
    const result = await store.removeMember(access.room.id, userId, { by, reason, at: now() });
    if (result.event) hub.published(result.event, result.userEvents);
    if (result.removed) await hub.removed(access.room.id, userId);
    return result;
  };

  app.delete("/api/rooms/:roomId/members/:userId", authenticate, async (c) => {
    await remove(c.req.param("roomId"), c.req.param("userId"), c.get("user"), "kicked");
    return c.json({ ok: true });
  });

  app.post("/api/rooms/:roomId/bans", authenticate, async (c) => {
    const { userId } = await readJson(c, userRefSchema);
    const { ban, banCreated } = await remove(c.req.param("roomId"), userId, c.get("user"), "banned");
    return c.json({ ban }, banCreated ? 201 : 200);
  });

  app.get("/api/rooms/:roomId/bans", authenticate, async (c) => {
    const { room } = await gate.allowed(c.req.param("roomId"), c.get("user").id, "bans");
    return c.json({ bans: await store.bans(room.id) });
  });

  app.delete("/api/rooms/:roomId/bans/:userId", authenticate, async (c) => {
    const { room } = await gate.allowed(c.req.param("roomId"), c.get("user").id, "bans");
    await store.unban(room.id, userIdParam(c.req.param("userId")));
    return c.json({ ok: true });
  });
}
