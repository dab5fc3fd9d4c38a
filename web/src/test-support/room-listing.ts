import type { RoomListing } from "../transport/http-client.ts";

/** A joined room as `GET /api/rooms` lists it, named after its id, with what a test adds (read state, settings). */
export const roomListing = (id: string, extra: Partial<RoomListing> = {}): RoomListing => ({
  id,
  name: id,
  topic: "",
  createdBy: "u1",
  createdAt: "",
  memberCount: 2,
  onlineCount: 0,
  kind: "room",
  visibility: "public",
  ...extra,
});
