import type { NotifyLevel, RoomNotifications } from "@parley/protocol";

/** What is known about one arriving message when deciding whether it deserves a desktop notification. */
export interface NotifyCase {
  /** The user's settings for the room (undefined: never changed, so it follows the user's level). */
  room: RoomNotifications | undefined;
  /** The user's default level for their rooms. */
  userLevel: NotifyLevel;
  /** The message addresses the user: by name, `@room` or `@here` (all three count as mentions). */
  mention: boolean;
  /** A direct message: it addresses the user as a mention does. */
  dm: boolean;
  /** The user sent it (from this device or another). */
  mine: boolean;
  /** Already read (at or before the room's read marker), on this device or another. */
  read: boolean;
  /** The message is a tombstone. */
  deleted: boolean;
  /** The tab is hidden (`document.visibilityState`): a visible tab shows the message itself. */
  hidden: boolean;
}

/** The level that applies in a room: its own, or the user's when it says "default" (or was never set). */
export function effectiveLevel(room: RoomNotifications | undefined, userLevel: NotifyLevel): NotifyLevel {
  return !room || room.level === "default" ? userLevel : room.level;
}

/**
 * Whether a message shows as a desktop notification. Only while the tab is hidden (a visible tab
 * has the sidebar's badges, which say the same), never for the user's own messages, read or
 * deleted ones, never in a muted room or at level "none"; at "mentions" only when it addresses the user
 * (a mention, or any message of a DM).
 */
export function shouldNotify(c: NotifyCase): boolean {
  if (!c.hidden || c.mine || c.read || c.deleted || c.room?.muted) return false;
  const level = effectiveLevel(c.room, c.userLevel);
  return level === "all" || (level === "mentions" && (c.mention || c.dm));
}
