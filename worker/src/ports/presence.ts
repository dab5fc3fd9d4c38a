import type { User } from "@parley/protocol";

/**
 * Who is online in which room, across workers. Each worker counts its own connections and tells
 * Presence only when a user's first local subscription to a room starts and its last one ends.
 */
export interface Presence {
  /** Marks the user online in the room on this worker; true when the user was offline everywhere. */
  add(roomId: string, user: User): Promise<boolean>;
  /** Marks the user offline in the room on this worker; true when the user is now offline everywhere. */
  remove(roomId: string, user: User): Promise<boolean>;
  online(roomId: string): Promise<User[]>;
  onlineCounts(roomIds: string[]): Promise<Map<string, number>>;
  /** Drops entries of workers that stopped heartbeating; returns the users who went offline. */
  sweep(): Promise<Array<{ roomId: string; user: User }>>;
  /**
   * Stops heartbeating. Entries are left to expire, so other workers' sweeps announce the users
   * as gone (the hub has already removed every user it could reach before closing).
   */
  close(): Promise<void>;
}

/** Presence for a single process: nothing to expire, since no other worker can die. */
export class MemoryPresence implements Presence {
  private readonly rooms = new Map<string, Map<string, User>>();

  async add(roomId: string, user: User) {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = new Map()));
    const fresh = !room.has(user.id);
    room.set(user.id, user);
    return fresh;
  }
  async remove(roomId: string, user: User) {
    const room = this.rooms.get(roomId);
    const removed = room?.delete(user.id) ?? false;
    if (room?.size === 0) this.rooms.delete(roomId);
    return removed;
  }
  async online(roomId: string) {
    return sortUsers([...(this.rooms.get(roomId)?.values() ?? [])]);
  }
  async onlineCounts(roomIds: string[]) {
    return new Map(roomIds.map((id) => [id, this.rooms.get(id)?.size ?? 0]));
  }
  async sweep() {
    return [];
  }
  async close() {
    this.rooms.clear();
  }
}

/** The order of online lists: by name, then id, so every worker shows the same order. */
export const compareUsers = (a: User, b: User) => a.username.localeCompare(b.username) || a.id.localeCompare(b.id);

/** Online lists are sorted by name so every worker shows the same order. */
export const sortUsers = (users: User[]) => users.sort(compareUsers);
