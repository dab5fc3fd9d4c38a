/** Shapes of docs/protocol.md, as the server sends them. */
export interface User {
  id: string;
  username: string;
}

/** A conversation's kind: a named room, or a direct message between 2..8 users. */
export type RoomKind = "room" | "dm";
/** Who sees a room: everyone (public), or its members only (private; every DM). */
export type RoomVisibility = "public" | "private";
/** A member's role in a room: owners and moderators moderate; only owners change roles. */
export type MemberRole = "owner" | "moderator" | "member";

export interface Room {
  id: string;
  /** "" for a DM: clients name it after its other members. */
  name: string;
  topic: string;
  createdBy: string;
  createdAt: string;
  memberCount: number;
  onlineCount: number;
  kind: RoomKind;
  visibility: RoomVisibility;
  /** The caller's role, in a room the caller is a member of. */
  role?: MemberRole;
  /** A DM's participants, all of them (the caller too), by username. */
  members?: User[];
}

/** A ban of `GET /api/rooms/:roomId/bans`. */
export interface Ban {
  user: User;
  bannedBy: User;
  createdAt: string;
}

/** How much of a room's activity notifies the user: every message, mentions (and direct messages) only, or nothing. */
export type NotifyLevel = "all" | "mentions" | "none";

/** A member's notification settings for one room: `level` "default" follows the user's own level. */
export interface RoomNotifications {
  level: NotifyLevel | "default";
  muted: boolean;
}

/**
 * Where a member is in a room, kept by the server per (user, room) and the same on every device:
 * `lastReadSeq` (never moves back), and what lies past it — the messages of others in the room's
 * timeline and the mentions of the user, each counted up to LIMITS.unreadCountMax.
 */
export interface ReadState {
  lastReadSeq: number;
  unreadCount: number;
  mentionCount: number;
}

export interface Message {
  id: string;
  roomId: string;
  /**
   * The room's order: the seq of the event that created it. The room's events (messages, edits,
   * deletions, reactions) share one sequence 1, 2, 3, … with no gaps; messages alone may skip seqs.
   */
  seq: number;
  user: User;
  /** "" once deleted. */
  body: string;
  clientId: string | null;
  createdAt: string;
  /** When the body was last edited; null if never. */
  editedAt?: string | null;
  /** A tombstone: the message was deleted, its body is gone. */
  deleted?: boolean;
  /** Reactions, by first reaction: how many users reacted with each emoji, and whether the reader did. */
  reactions?: ReactionSummary[];
  /** A thread reply: the message it answers (threads are one level deep). */
  parentId?: string;
  /** A reply that is also shown in the room's timeline. */
  alsoToRoom?: boolean;
  /** A thread's parent: how many replies it has, and when the last came. */
  replyCount?: number;
  lastReplyAt?: string;
  /** The members it mentions by `@username` (ids; `@room` and `@here` stay in the body only). */
  mentions?: string[];
  /** Files attached when it was sent (at most LIMITS.attachmentsMax); omitted when none, and gone once deleted. */
  attachments?: Upload[];
}

/**
 * A stored file (`POST /api/uploads`): `contentType` is sniffed from its bytes, never the client's
 * word; `width` and `height` (pixels) for images. Its bytes are at `GET /api/uploads/:id`.
 */
export interface Upload {
  id: string;
  name: string;
  size: number;
  contentType: string;
  width?: number;
  height?: number;
}

export interface ReactionSummary {
  emoji: string;
  count: number;
  me: boolean;
}

/** The kinds of event a room's stream numbers (`message.created` is delivered as a `message` frame). */
export type RoomEventKind =
  "message.created" | "message.edited" | "message.deleted" | "reaction.added" | "reaction.removed" | "member.role" | "member.removed" | "room.updated";

/**
 * A parley.v2 `event` frame: something happened to a message, at the room's next seq.
 * message.edited: `message` holds {id, body, editedAt}; message.deleted: {id, deleted: true, body: ""};
 * reaction.added / reaction.removed: `reaction` names the message, the emoji and who.
 * member.role: `member` {user, role} got that role, `by` whom; member.removed: `member` {user}
 * was removed for `reason`, `by` whom; room.updated: `room` holds the new {name, topic, visibility}.
 */
export interface RoomEvent {
  type: "event";
  roomId: string;
  seq: number;
  kind: Exclude<RoomEventKind, "message.created">;
  at: string;
  message?: Pick<Message, "id" | "body" | "editedAt" | "deleted">;
  reaction?: { messageId: string; emoji: string; user: User };
  member?: { user: User; role?: MemberRole };
  reason?: "kicked" | "banned";
  by?: User;
  room?: Pick<Room, "name" | "topic" | "visibility">;
}

/** A room's member; `role` is always sent (optional for clients that predate roles). */
export type Member = User & { online: boolean; role?: MemberRole };

/** The kinds of event a user's stream numbers. */
export type UserEventKind = "mention" | "read" | "membership";

/**
 * A parley.v2 `userEvent` frame: something for one user, at that user's next seq (1, 2, 3, …, no
 * gaps), sent to every connection of the user that subscribed to its stream. `mention`: `message`
 * (in `roomId`, at room seq `message.seq`) names the user, or says `@room` or `@here` while the
 * user was online. `read`: the user's read marker in `roomId` moved to `readSeq` (on any device).
 * `membership`: the user was `added` to `roomId` (invited, or a DM opened; with the `room`),
 * `removed` from it (kicked or banned), or `left` it (on any device).
 */
export interface UserEvent {
  type: "userEvent";
  seq: number;
  kind: UserEventKind;
  roomId: string;
  at: string;
  /** `mention`: the message. */
  message?: Message;
  /** `read`: the marker's new seq. */
  readSeq?: number;
  /** `membership`: what happened. */
  membership?: "added" | "removed" | "left";
  /** `membership` "added": the room as the user now sees it. */
  room?: Room;
}
