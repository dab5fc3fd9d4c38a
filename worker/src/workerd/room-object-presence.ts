import type { User } from "@parley/protocol";
import type { Presence } from "../ports/presence.ts";
import { roomObject, type RoomNamespace } from "./room-api.ts";

/**
 * The Presence port over room Durable Objects: each room's object counts who is online through
 * which gateway. Nothing expires here: a room object drops a gateway's users when that gateway's
 * socket closes, so `sweep()` has nothing to do. The gateway remembers what it told each room, to
 * tell it again after its socket to the room was lost and reopened (`restore`).
 */
export class RoomObjectPresence implements Presence {
  private readonly told = new Map<string, Map<string, User>>();
  private closed = false;

  constructor(
    private readonly rooms: RoomNamespace,
    private readonly gateway: string,
  ) {}

  async add(roomId: string, user: User): Promise<boolean> {
    if (this.closed) return false;
    let users = this.told.get(roomId);
    if (!users) this.told.set(roomId, (users = new Map()));
    users.set(user.id, user);
    return roomObject(this.rooms, roomId).add(roomId, this.gateway, user);
  }

  async remove(roomId: string, user: User): Promise<boolean> {
    if (this.closed) return false;
    const users = this.told.get(roomId);
    users?.delete(user.id);
    if (users?.size === 0) this.told.delete(roomId);
    return roomObject(this.rooms, roomId).remove(roomId, this.gateway, user);
  }

  online(roomId: string): Promise<User[]> {
    return roomObject(this.rooms, roomId).online();
  }

  async onlineCounts(roomIds: string[]): Promise<Map<string, number>> {
    const counts = await Promise.all(roomIds.map((roomId) => roomObject(this.rooms, roomId).onlineCount()));
    return new Map(roomIds.map((roomId, i) => [roomId, counts[i]!]));
  }

  async sweep(): Promise<Array<{ roomId: string; user: User }>> {
    return [];
  }

  /** Stops telling rooms anything: they learn this gateway's users are gone when its sockets close. */
  async close(): Promise<void> {
    this.closed = true;
    this.told.clear();
  }

  /** Tells a room again who is online here, after this gateway's socket to it was reopened. */
  async restore(roomId: string): Promise<void> {
    const users = [...(this.told.get(roomId)?.values() ?? [])];
    if (users.length > 0) await roomObject(this.rooms, roomId).restore(roomId, this.gateway, users);
  }
}
