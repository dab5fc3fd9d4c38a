import { sql } from "drizzle-orm";
import type { RoomKind, RoomVisibility } from "@parley/protocol";
import type { RoomRecord } from "./store.ts";

/** The columns roomOf reads, from `rooms r`. */
export const ROOM_FIELDS = sql.raw("r.id, r.name, r.topic, r.created_by, r.created_at, r.member_count, r.kind, r.visibility");

/** A rooms row (raw SQL, snake_case) as the Store's RoomRecord. */
export const roomOf = (r: Record<string, unknown>): RoomRecord => ({
  id: r.id as string,
  name: r.name as string,
  topic: r.topic as string,
  createdBy: r.created_by as string,
  createdAt: new Date(r.created_at as string).toISOString(),
  memberCount: Number(r.member_count),
  kind: r.kind as RoomKind,
  visibility: r.visibility as RoomVisibility,
});
