import type { User } from "@parley/protocol";
import type { Presence } from "../ports/presence.ts";
import type { OnlineSnapshot } from "./frame-versions.ts";
import type { RoomChannel } from "./room-channel.ts";

/** Who is online in the channel's room; this worker's own users while the shared presence does not answer. */
export async function readOnline(presence: Presence, ch: RoomChannel): Promise<User[]> {
  try {
    return await presence.online(ch.roomId);
  } catch {
    return [...ch.localUsers.values()].map((e) => e.user);
  }
}

/** The room's online count, and its list when a subscriber's version needs it. */
export async function readSnapshot(presence: Presence, ch: RoomChannel, withList: boolean): Promise<OnlineSnapshot> {
  if (withList) {
    const online = await readOnline(presence, ch);
    return { count: online.length, online };
  }
  try {
    return { count: (await presence.onlineCounts([ch.roomId])).get(ch.roomId) ?? 0 };
  } catch {
    return { count: ch.localUsers.size };
  }
}
