import type { Hono, MiddlewareHandler } from "hono";
import { createDmSchema, DM_MEMBERS, userSearchSchema } from "@parley/protocol";
import type { Store } from "@parley/db";
import { type Clock, invalid, notFound, type TokenBuckets } from "@parley/common";
import { rateLimited } from "../auth/auth-service.ts";
import { parseWith, readJson } from "../http/body.ts";
import type { AppEnv } from "../http/context.ts";
import type { Presence } from "../ports/presence.ts";
import type { RoomHub } from "../realtime/room-hub.ts";
import { RoomViews } from "./room-views.ts";

/** DMs listed at most. */
const DM_LIST_MAX = 500;

/** Direct messages and finding users to start one with (docs/protocol.md, "Private rooms, DMs and roles"). */
export function registerDmRoutes(
  app: Hono<AppEnv>,
  deps: { store: Store; presence: Presence; hub: RoomHub; clock: Clock; authenticate: MiddlewareHandler<AppEnv>; creations: TokenBuckets },
) {
  const { store, presence, hub, clock, authenticate, creations } = deps;
  const views = new RoomViews(store, presence);

  app.post("/api/dms", authenticate, async (c) => {
    const { userIds } = await readJson(c, createDmSchema);
    const me = c.get("user");
    const everyone = [...new Set([me.id, ...userIds])];
    if (everyone.length < DM_MEMBERS.min) throw invalid("a DM needs someone besides you");
    if (everyone.length > DM_MEMBERS.max) throw invalid(`a DM has at most ${DM_MEMBERS.max} participants, you included`);
    const decision = creations.take(me.id);
    if (!decision.ok) throw rateLimited(decision, "new rooms");
    const opened = await store.openDm({ id: crypto.randomUUID(), userIds: everyone, createdBy: me.id, at: new Date(clock.now()) });
    if (!opened) throw notFound("user");
    hub.users.published(opened.userEvents);
    const [room] = await views.withOnline([opened.room]);
    return c.json({ room }, opened.created ? 201 : 200);
  });

  app.get("/api/dms", authenticate, async (c) => {
    const userId = c.get("user").id;
    const records = await store.listDms(userId, DM_LIST_MAX);
    const ids = records.map((r) => r.id);
    const [dms, reads, settings] = await Promise.all([
      views.withOnline(records.map((r) => ({ ...r, role: "member" as const }))),
      store.readStates(userId, ids),
      store.roomNotifications(userId, ids),
    ]);
    return c.json({ dms: dms.map((d) => ({ ...d, ...reads.get(d.id), notifications: settings.get(d.id) })) });
  });

  app.get("/api/users", authenticate, async (c) => {
    const { q, limit } = parseWith(userSearchSchema, c.req.query());
    return c.json({ users: await store.searchUsers(q.trim(), limit) });
  });
}
