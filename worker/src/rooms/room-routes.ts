import type { Hono, MiddlewareHandler } from "hono";
import { createRoomSchema, presenceQuerySchema, readMarkerSchema, roomSearchSchema, type Room } from "@parley/protocol";
import { NotMemberError, type RoomRecord, type Store } from "@parley/db";
import { ApiError, type Clock, notFound, TokenBuckets } from "@parley/common";
import { parseWith, readJson } from "../http/body.ts";
import type { AppEnv } from "../http/context.ts";
import type { Presence } from "../ports/presence.ts";
import type { RoomHub } from "../realtime/room-hub.ts";
import { rateLimited } from "../auth/auth-service.ts";
import { nameSkeleton } from "./name-skeleton.ts";
import { presencePage } from "./presence-page.ts";
import { roomIdParam } from "./room-id.ts";

/** Rooms listed at most per request (extensions: `?q=` narrows by name, `?joined=true` to the user's rooms). */
const ROOM_LIST_MAX = 500;

export function registerRoomRoutes(
  app: Hono<AppEnv>,
  deps: {
    store: Store;
    presence: Presence;
    hub: RoomHub;
    clock: Clock;
    authenticate: MiddlewareHandler<AppEnv>;
    roomRate: { max: number; windowSeconds: number };
  },
) {
  const { store, presence, hub, clock, authenticate } = deps;
  const creations = TokenBuckets.perWindow(deps.roomRate.max, deps.roomRate.windowSeconds, clock);

  const withOnline = async (records: RoomRecord[]): Promise<Room[]> => {
    const counts = await presence.onlineCounts(records.map((r) => r.id)).catch(() => new Map<string, number>());
    return records.map((r) => ({ ...r, onlineCount: counts.get(r.id) ?? 0 }));
  };
  const loadRoom = async (id: string) => {
    const record = await store.getRoom(roomIdParam(id));
    if (!record) throw notFound("room");
    const [room] = await withOnline([record]);
    return room!;
  };

  app.get("/api/rooms", authenticate, async (c) => {
    const q = c.req.query("q");
    const query = q === undefined ? undefined : parseWith(roomSearchSchema, q) || undefined;
    const joined = new Set(await store.roomIdsOf(c.get("user").id));
    const memberId = c.req.query("joined") === "true" ? c.get("user").id : undefined;
    const records = await store.listRooms({ query, memberId, limit: ROOM_LIST_MAX });
    const rooms = await withOnline(records);
    const reads = await store.readStates(
      c.get("user").id,
      rooms.filter((r) => joined.has(r.id)).map((r) => r.id),
    );
    return c.json({ rooms: rooms.map((r) => ({ ...r, joined: joined.has(r.id), ...reads.get(r.id) })) });
  });

  app.post("/api/rooms", authenticate, async (c) => {
    const { name, topic } = await readJson(c, createRoomSchema);
    const decision = creations.take(c.get("user").id);
    if (!decision.ok) throw rateLimited(decision, "new rooms");
    const record = await store.createRoom({
      id: crypto.randomUUID(),
      name,
      topic: topic ?? "",
      createdBy: c.get("user").id,
      createdAt: new Date(clock.now()),
      nameSkeleton: nameSkeleton(name),
    });
    if (!record) throw new ApiError("conflict", "a room with that name, or one that looks the same, exists");
    return c.json({ room: { ...record, onlineCount: 0 } }, 201);
  });

  app.get("/api/rooms/:roomId", authenticate, async (c) => {
    const room = await loadRoom(c.req.param("roomId"));
    return c.json({ room, online: await presence.online(room.id) });
  });

  app.get("/api/rooms/:roomId/members", authenticate, async (c) => {
    const room = await loadRoom(c.req.param("roomId"));
    const [members, online] = await Promise.all([store.members(room.id), presence.online(room.id)]);
    const onlineIds = new Set(online.map((u) => u.id));
    return c.json({ members: members.map((m) => ({ ...m, online: onlineIds.has(m.id) })) });
  });

  app.get("/api/rooms/:roomId/presence", authenticate, async (c) => {
    const query = parseWith(presenceQuerySchema, c.req.query());
    const room = await loadRoom(c.req.param("roomId"));
    return c.json(presencePage(await presence.online(room.id), query));
  });

  app.post("/api/rooms/:roomId/join", authenticate, async (c) => {
    const id = roomIdParam(c.req.param("roomId"));
    if (!(await store.getRoom(id))) throw notFound("room");
    await store.join(id, c.get("user").id);
    const [room, reads] = await Promise.all([loadRoom(id), store.readStates(c.get("user").id, [id])]);
    return c.json({ room: { ...room, ...reads.get(id) } });
  });

  // The read marker, the same on every device: docs/protocol.md, "Read state".
  app.post("/api/rooms/:roomId/read", authenticate, async (c) => {
    const id = roomIdParam(c.req.param("roomId"));
    const { seq } = await readJson(c, readMarkerSchema);
    const user = c.get("user");
    try {
      const { readState, userEvents } = await store.markRead(user.id, id, seq, new Date(clock.now()));
      hub.users.published(userEvents);
      return c.json({ readState });
    } catch (error) {
      if (!(error instanceof NotMemberError)) throw error;
      if (!(await store.getRoom(id))) throw notFound("room");
      throw new ApiError("forbidden", "join the room first");
    }
  });

  app.post("/api/rooms/:roomId/leave", authenticate, async (c) => {
    const id = roomIdParam(c.req.param("roomId"));
    if (!(await store.getRoom(id))) throw notFound("room");
    await store.leave(id, c.get("user").id);
    await hub.left(id, c.get("user").id);
    return c.json({ room: await loadRoom(id) });
  });
}
