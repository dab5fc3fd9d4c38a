import type { ErrorCode, MemberRole, RoomKind, RoomVisibility } from "@parley/protocol";

/** What a caller may ask of a room beyond reading and writing in it. */
export type RoomAction = "invite" | "update" | "setRole" | "remove" | "bans";

/** Who asks: their role in the room (null: not a member) and whether they are a server admin. */
export interface Actor {
  role: MemberRole | null;
  admin: boolean;
}

export interface RoomFacts {
  kind: RoomKind;
  visibility: RoomVisibility;
}

/** A refused action: the error code and the message a client sees. */
export interface Refusal {
  code: ErrorCode;
  message: string;
}

const RANK = { none: 0, member: 1, moderator: 2, owner: 3 } as const;
type Rank = keyof typeof RANK;

/** The rank the caller acts with: their role, and at least moderator for a server admin in a room that is not a DM. */
export function rankOf(actor: Actor, room: RoomFacts): Rank {
  const own: Rank = actor.role ?? "none";
  return actor.admin && room.kind !== "dm" && RANK[own] < RANK.moderator ? "moderator" : own;
}

/**
 * Whether the caller sees the room at all: a public room everyone; a private room or DM only its
 * members, and a private room (never a DM) also a server admin who comes to moderate it.
 */
export function canSee(actor: Actor, room: RoomFacts, moderating = false): boolean {
  return room.visibility === "public" || actor.role !== null || (moderating && actor.admin && room.kind !== "dm");
}

/**
 * The one table of who may do what in a room (docs/protocol.md, "Private rooms, DMs and roles"):
 * null when allowed, else why not. `target`: for `remove` (kick and ban), the role of the user
 * acted on (null: not a member) and whether it is the caller.
 */
export function refusal(action: RoomAction, actor: Actor, room: RoomFacts, target?: { role: MemberRole | null; self: boolean }): Refusal | null {
  if (room.kind === "dm") return { code: "invalid_request", message: DM_REFUSALS[action] };
  const rank = RANK[rankOf(actor, room)];
  switch (action) {
    case "invite":
      if (room.visibility === "public" ? rank >= RANK.member : rank >= RANK.moderator) return null;
      return forbidden(room.visibility === "public" ? "join the room first" : "only owners and moderators invite to a private room");
    case "setRole":
      return rank >= RANK.owner ? null : forbidden("only owners change roles");
    case "update":
    case "bans":
      return rank >= RANK.moderator ? null : forbidden("only owners and moderators can do that");
    case "remove":
      if (rank < RANK.moderator) return forbidden("only owners and moderators remove members");
      if (target?.self) return { code: "invalid_request", message: "to remove yourself, leave the room" };
      if (rank < RANK.owner && target?.role && target.role !== "member") return forbidden("a moderator cannot remove an owner or another moderator");
      return null;
  }
}

const forbidden = (message: string): Refusal => ({ code: "forbidden", message });

const DM_REFUSALS: Record<RoomAction, string> = {
  invite: "a DM's participants are fixed: open a DM with everyone instead",
  update: "a DM has no name, topic or visibility to change",
  setRole: "a DM has no roles",
  remove: "nobody can be removed from a DM",
  bans: "a DM has no bans",
};
