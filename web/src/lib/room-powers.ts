import type { AccessFields, RoomRole } from "../transport/http-client.ts";

/** What the user may do in a room and to its members: the server's rules, so the UI offers only what it would allow. */
export interface RoomPowers {
  /** Add people (`POST …/invites`): any member of a public room; owners and moderators of a private one. */
  invite: boolean;
  /** Change the name, topic and visibility (`PATCH`). */
  settings: boolean;
  /** Change members' roles (`PUT …/members/:id`): owners only. */
  roles: boolean;
  /** Remove or ban this member (`DELETE …/members/:id`, `POST …/bans`). */
  remove: (target: RoomRole | undefined) => boolean;
}

const RANK: Record<RoomRole, number> = { member: 0, moderator: 1, owner: 2 };

/**
 * The user's powers in `room` from their role there and whether they run the server. A DM has no
 * moderation (a new DM is made instead); an admin acts as a moderator in every other room. A
 * moderator removes members only, never an owner or another moderator; an owner removes anyone.
 */
export function roomPowers(room: AccessFields, admin: boolean): RoomPowers {
  if (room.kind === "dm") return { invite: false, settings: false, roles: false, remove: () => false };
  const rank = Math.max(RANK[room.role ?? "member"], admin ? RANK.moderator : 0);
  const member = room.role !== undefined;
  return {
    invite: room.visibility === "private" ? member && rank >= RANK.moderator : member || admin,
    settings: rank >= RANK.moderator,
    roles: room.role === "owner",
    remove: (target) => rank === RANK.owner || (rank === RANK.moderator && RANK[target ?? "member"] === RANK.member),
  };
}
