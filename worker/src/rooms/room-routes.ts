import type { Hono, MiddlewareHandler } from "hono";
import { createRoomSchema, presenceQuerySchema, readMarkerSchema, roomNotificationsSchema, roomSearchSchema, updateRoomSchema } from "@parley/protocol";
import { NotMemberError, type Store } from "@parley/db";
import { ApiError, type Clock, type TokenBuckets } from "@parley/common";
import { parseWith, readJson } from "../http/body.ts";
import type { AppEnv } from "../http/context.ts";
import type { Presence } from "../ports/presence.ts";
import type { RoomHub } from "../realtime/room-hub.ts";
import { rateLimited } from "../auth/auth-service.ts";
import { nameSkeleton } from "./name-skeleton.ts";
import { presencePage } from "./presence-page.ts";
import { RoomGate } from "./room-gate.ts";
import { roomIdParam } from "./room-id.ts";
import { RoomViews } from "./room-views.ts";

/** Rooms listed at most per request (extensions: `?q=` narrows by name, `?joined=true` to the user's rooms). */
const ROOM_LIST_MAX = 500;

export interface RoomRouteDeps {
  store: Store;
  presence: Presence;
  hub: RoomHub;
  clock: Clock;
  authenticate: MiddlewareHandler<AppEnv>;
  /** Rooms and DMs created per user: one bucket for both. */
  creations: TokenBuckets;
}

export function registerRoomRoutes(app: Hono<AppEnv>, deps: RoomRouteDeps) {
  const { store, presence, hub, clock, authenticate, creations } = deps;
  const gate = new RoomGate(store);
  const views = new RoomViews(store, presence);
  const now = () => new Date(clock.now());

  /** Runs a member's change to their own state in a room; a non-member gets the gate's answer (404 unseen, 403 public). */
  const asMember = async <T>(roomId: string, userId: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof NotMemberError)) throw error;
      await gate.member(roomId, userId);
      throw new ApiError("forbidden", "join the room first");
    }
  };
  /** The room as its member sees it, with their read state and notification settings. */
  const asJoined = async (roomId: string, userId: string) => {
    const access = await gate.member(roomId, userId);
    const [room, reads, settings] = await Promise.all([
      views.one(access.room, access.role),
      store.readStates(userId, [roomId]),
      store.roomNotifications(userId, [roomId]),
    ]);
    return { ...room, ...reads.get(roomId), notifications: settings.get(roomId) };
  };

  app.get("/api/rooms", authenticate, async (c) => {
    const q = c.req.query("q");
    const userId = c.get("user").id;
    const query = q === undefined ? undefined : parseWith(roomSearchSchema, q) || undefined;
    const roles = await store.rolesOf(userId);
    const memberId = c.req.query("joined") === "true" ? userId : undefined;
    const records = await store.listRooms({ query, memberId, visibleTo: userId, limit: ROOM_LIST_MAX });
    const rooms = await views.withOnline(records.map((r) => ({ ...r, role: roles.get(r.id) })));
    const mine = rooms.filter((r) => roles.has(r.id)).map((r) => r.id);
    const [reads, settings] = await Promise.all([store.readStates(userId, mine), store.roomNotifications(userId, mine)]);
    return c.json({
      rooms: rooms.map((r) => ({ ...r, joined: roles.has(r.id), ...reads.get(r.id), ...(settings.has(r.id) ? { notifications: settings.get(r.id) } : {}) })),
    });
  });

  app.post("/api/rooms", authenticate, async (c) => {
    const { name, topic, visibility } = await readJson(c, createRoomSchema);
    const decision = creations.take(c.get("user").id);
    if (!decision.ok) throw rateLimited(decision, "new rooms");
    const record = await store.createRoom({
      id: crypto.randomUUID(),
      name,
      topic: topic ?? "",
      createdBy: c.get("user").id,
      createdAt: now(),
      nameSkeleton: nameSkeleton(name),
      visibility: visibility ?? "public",
    });
    if (!record) throw new ApiError("conflict", "a room with that name, or one that looks the same, exists");
    return c.json({ room: { ...record, onlineCount: 0, role: "owner" } }, 201);
  });

  app.get("/api/rooms/:roomId", authenticate, async (c) => {
    const access = await gate.see(c.req.param("roomId"), c.get("user").id);
    return c.json({ room: await views.one(access.room, access.role), online: await presence.online(access.room.id) });
  });

  app.patch("/api/rooms/:roomId", authenticate, async (c) => {
    const change = await readJson(c, updateRoomSchema);
    const user = c.get("user");
    const access = await gate.allowed(c.req.param("roomId"), user.id, "update");
    const updated = await store.updateRoom(access.room.id, { ...change, ...(change.name ? { nameSkeleton: nameSkeleton(change.name) } : {}) }, user, now());
    if (!updated) throw new ApiError("conflict", "a room with that name, or one that looks the same, exists");
    hub.published(updated.event);
    return c.json({ room: await views.one(updated.room, access.role) });
  });

  app.get("/api/rooms/:roomId/members", authenticate, async (c) => {
    const { room } = await gate.see(c.req.param("roomId"), c.get("user").id);
    const [members, online] = await Promise.all([store.members(room.id), presence.online(room.id)]);
    const onlineIds = new Set(online.map((u) => u.id));
    return c.json({ members: members.map((m) => ({ ...m, online: onlineIds.has(m.id) })) });
  });

  app.get("/api/rooms/:roomId/presence", authenticate, async (c) => {
    const query = parseWith(presenceQuerySchema, c.req.query());
    const { room } = await gate.see(c.req.param("roomId"), c.get("user").id);
    return c.json(presencePage(await presence.online(room.id), query));
  });

  app.post("/api/rooms/:roomId/join", authenticate, async (c) => {
    const userId = c.get("user").id;
    // A private room or DM is joined only by invitation: to a stranger it does not exist.
    const access = await gate.see(c.req.param("roomId"), userId);
    if (!access.role) {
      if (access.banned) throw new ApiError("forbidden", "you are banned from this room");
      await store.join(access.room.id, userId);
    }
    // The join refuses a ban that raced the check above: then the user is no member.
    return c.json({ room: await asJoined(access.room.id, userId).catch(rejoinRefused) });
  });

  // The read marker, the same on every device: docs/protocol.md, "Read state".
  app.post("/api/rooms/:roomId/read", authenticate, async (c) => {
    const id = roomIdParam(c.req.param("roomId"));
    const { seq } = await readJson(c, readMarkerSchema);
    const { readState, userEvents } = await asMember(id, c.get("user").id, () => store.markRead(c.get("user").id, id, seq, now()));
    hub.users.published(userEvents);
    return c.json({ readState });
  });

  app.put("/api/rooms/:roomId/notifications", authenticate, async (c) => {
    const id = roomIdParam(c.req.param("roomId"));
    const change = await readJson(c, roomNotificationsSchema);
    return c.json({ notifications: await asMember(id, c.get("user").id, () => store.setRoomNotifications(c.get("user").id, id, change)) });
  });

  app.post("/api/rooms/:roomId/leave", authenticate, async (c) => {
    const user = c.get("user");
    const { room } = await gate.see(c.req.param("roomId"), user.id);
    const { event, userEvents } = await store.leaveRoom(room.id, user, now());
    if (event) hub.published(event);
    hub.users.published(userEvents);
    await hub.left(room.id, user.id);
    const left = await store.getRoom(room.id);
    return c.json({ room: await views.one(left ?? room, null) });
  });
}

/** A join that stored no membership (a ban won the race): the answer a banned user gets. */
const rejoinRefused = (error: unknown): never => {
  if (error instanceof ApiError && error.code === "forbidden") throw new ApiError("forbidden", "you are banned from this room");
  throw error;
};
