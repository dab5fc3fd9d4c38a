import type { MemberRole, Room, User } from "@parley/protocol";
import type { RoomRecord, Store } from "@parley/db";
import type { Presence } from "../ports/presence.ts";

/** A room record and what the caller adds to it: their role, and a DM's participants. */
type Viewed = Omit<RoomRecord, "role"> & { role?: MemberRole | null; members?: User[] };

/** Rooms as the API shows them: with their online count (presence is best effort: 0 while it is away). */
export class RoomViews {
  constructor(
    private readonly store: Pick<Store, "members">,
    private readonly presence: Presence,
  ) {}

  async withOnline(records: Viewed[]): Promise<Room[]> {
    const counts = await this.presence.onlineCounts(records.map((r) => r.id)).catch(() => new Map<string, number>());
    return records.map(({ role, ...r }) => ({ ...r, onlineCount: counts.get(r.id) ?? 0, ...(role ? { role } : {}) }));
  }

  /** One room for a caller with `role` (null: not a member); a DM with its participants. */
  async one(record: RoomRecord, role: MemberRole | null): Promise<Room> {
    const members = record.kind === "dm" ? (await this.store.members(record.id)).map(({ id, username }) => ({ id, username })) : undefined;
    const [room] = await this.withOnline([{ ...record, role, ...(members ? { members } : {}) }]);
    return room!;
  }
}
