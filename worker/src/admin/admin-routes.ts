import type { Hono, MiddlewareHandler } from "hono";
import { roomSearchSchema } from "@parley/protocol";
import type { Store } from "@parley/db";
import { ApiError, type Clock, invalid, notFound } from "@parley/common";
import type { SignOut } from "../auth/sign-out.ts";
import { parseWith } from "../http/body.ts";
import type { AppEnv } from "../http/context.ts";
import { RoomViews } from "../rooms/room-views.ts";
import type { Presence } from "../ports/presence.ts";
import { userIdParam } from "../rooms/room-id.ts";

/** Rooms an admin lists at most. */
const ADMIN_ROOM_LIST_MAX = 500;

/** Server administration: every room's metadata, and locking accounts (docs/protocol.md, "Private rooms, DMs and roles"). */
export function registerAdminRoutes(
  app: Hono<AppEnv>,
  deps: { store: Store; presence: Presence; signOut: SignOut; clock: Clock; authenticate: MiddlewareHandler<AppEnv> },
) {
  const { store, presence, signOut, clock, authenticate } = deps;
  const views = new RoomViews(store, presence);
  /** Server admins only: read from the database on each request, so a demotion counts at once. */
  const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (!(await store.account(c.get("user").id))?.admin) throw new ApiError("forbidden", "server admins only");
    await next();
  };

  app.get("/api/admin/rooms", authenticate, requireAdmin, async (c) => {
    const q = c.req.query("q");
    const query = q === undefined ? undefined : parseWith(roomSearchSchema, q) || undefined;
    return c.json({ rooms: await views.withOnline(await store.listAllRooms({ query, limit: ADMIN_ROOM_LIST_MAX })) });
  });

  app.post("/api/admin/users/:userId/lock", authenticate, requireAdmin, async (c) => {
    const userId = userIdParam(c.req.param("userId"));
    if (userId === c.get("user").id) throw invalid("you cannot lock your own account");
    const account = await store.setLocked(userId, new Date(clock.now()));
    if (!account) throw notFound("user");
    // Every session ends at once on every worker: refresh tokens, access tokens, sockets.
    await signOut.everywhere(userId);
    return c.json({ user: account.user, lockedAt: account.lockedAt });
  });

  app.post("/api/admin/users/:userId/unlock", authenticate, requireAdmin, async (c) => {
    const account = await store.setLocked(userIdParam(c.req.param("userId")), null);
    if (!account) throw notFound("user");
    return c.json({ user: account.user, lockedAt: null });
  });
}
