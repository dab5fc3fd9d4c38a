import { LIMITS, type Message, type ProtocolVersion, type ReadState, type RoomEvent, type User } from "@parley/protocol";
import { encode } from "./peer.ts";

/** A user whose presence in a room changed during one coalescing window. */
export interface PresenceChange {
  event: "join" | "leave";
  user: User;
}

/** Who is online in a room when a window is flushed: the list only when a v1 subscriber needs it. */
export interface OnlineSnapshot {
  count: number;
  online?: User[];
}

/**
 * The frames whose shape differs between protocol versions, in one place: every other frame is the
 * same in v1 and v2. The hub asks here, per connection's `peer.version`, and never tests versions itself.
 */
export const frameVersions = {
  /** Whether `subscribed` carries the reader's read state (v2). */
  needsReadState: (version: ProtocolVersion) => version >= 2,

  /** `subscribed`: v1 lists everyone; v2 lists at most LIMITS.onlineListMax, with the count. */
  subscribed(version: ProtocolVersion, fields: { roomId: string; online: User[]; lastSeq: number; limited: boolean }, readState?: ReadState): string {
    if (version === 1) return encode({ type: "subscribed", ...fields });
    const { online, ...rest } = fields;
    const truncated = online.length > LIMITS.onlineListMax;
    return encode({
      type: "subscribed",
      ...rest,
      online: truncated ? online.slice(0, LIMITS.onlineListMax) : online,
      onlineCount: online.length,
      ...(truncated ? { onlineTruncated: true } : {}),
      ...readState,
    });
  },

  /**
   * The presence frames of one window, already serialized. v1: one frame naming the window's latest
   * change with the whole list (v1 clients take `online` as the truth). v2: one small frame per change.
   */
  presence(version: ProtocolVersion, roomId: string, changes: PresenceChange[], snapshot: OnlineSnapshot): string[] {
    if (changes.length === 0) return [];
    if (version === 1) {
      const { event, user } = changes[changes.length - 1]!;
      return [encode({ type: "presence", roomId, event, user, online: snapshot.online ?? [] })];
    }
    return changes.map(({ event, user }) => encode({ type: "presence", roomId, event, user, onlineCount: snapshot.count }));
  },

  /**
   * A room log entry as this version's frame: a message is a `message` frame in both; an edit,
   * deletion or reaction is an `event` frame in v2 and nothing in v1 (it sees those in history).
   */
  entry(version: ProtocolVersion, entry: Message | RoomEvent): string | undefined {
    if (!isRoomEvent(entry)) return encode({ type: "message", message: entry });
    return version === 1 ? undefined : encode(entry);
  },

  /** `unsubscribed`: a user removed from the room (kicked, banned) hears "removed" in v2, "left" in v1 as before. */
  unsubscribed(version: ProtocolVersion, roomId: string, reason: "left" | "requested" | "removed"): string {
    return encode({ type: "unsubscribed", roomId, reason: reason === "removed" && version === 1 ? "left" : reason });
  },

  /** Whether flushing presence to this version needs the whole online list. */
  needsList: (version: ProtocolVersion) => version === 1,
};

/** Whether a room log entry is an event (an edit, deletion or reaction) rather than a message. */
export const isRoomEvent = (entry: Message | RoomEvent): entry is RoomEvent => "type" in entry && entry.type === "event";
