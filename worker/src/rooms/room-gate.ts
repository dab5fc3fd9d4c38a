import { ApiError, notFound } from "@parley/common";
import type { RoomAccess, Store } from "@parley/db";
import { canSee, refusal, type RoomAction } from "./role-rules.ts";
import { roomIdParam } from "./room-id.ts";

/**
 * The one visibility rule of every room-scoped route, frame and stream: a room that does not
 * exist, and a private room or DM the caller is not in, are the same 404 "room not found", so
 * nothing tells a stranger that a private room exists.
 */
export class RoomGate {
  constructor(private readonly store: Pick<Store, "roomAccess">) {}

  /**
   * The caller's access to a room they may see. `moderating`: the request moderates (PATCH, kick,
   * ban, delete), for which a server admin sees every room that is not a DM.
   */
  async see(roomId: string, userId: string, options: { moderating?: boolean } = {}): Promise<RoomAccess> {
    const access = await this.store.roomAccess(roomIdParam(roomId), userId);
    if (!access || !canSee(access, access.room, options.moderating)) throw notFound("room");
    return access;
  }

  /** As `see`, and a member of it: 403 for a public room the caller has not joined. */
  async member(roomId: string, userId: string): Promise<RoomAccess> {
    const access = await this.see(roomId, userId);
    if (!access.role) throw new ApiError("forbidden", "join the room first");
    return access;
  }

  /** As `see` for moderation, and allowed to do `action` (role-rules.ts); the refusal as an ApiError. */
  async allowed(roomId: string, userId: string, action: RoomAction, target?: Parameters<typeof refusal>[3]): Promise<RoomAccess> {
    const access = await this.see(roomId, userId, { moderating: true });
    RoomGate.check(access, action, target);
    return access;
  }

  /** Throws the refusal of `action` for this access, if any. */
  static check(access: RoomAccess, action: RoomAction, target?: Parameters<typeof refusal>[3]): void {
    const refused = refusal(action, access, access.room, target);
    if (refused) throw new ApiError(refused.code, refused.message);
  }
}
