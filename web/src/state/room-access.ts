import { createSignal } from "solid-js";
import type { User } from "@parley/protocol";
import { roomLabel } from "../lib/room-label.ts";
import type { HttpClient, RoomChange, RoomListing, RoomRole, RoomVisibility } from "../transport/http-client.ts";
import type { MembersStore } from "./members-store.ts";
import type { RemovalReason, RoomsStore } from "./rooms-store.ts";

/** The room stream's access events (parley.v2 `event` frames; docs/protocol.md, "Private rooms, DMs and roles"). */
export type AccessEvent =
  | { type: "event"; roomId: string; seq: number; kind: "member.role"; member: { user: User; role: RoomRole }; by: User }
  | { type: "event"; roomId: string; seq: number; kind: "member.removed"; member: { user: User }; reason: "kicked" | "banned"; by: User }
  | { type: "event"; roomId: string; seq: number; kind: "room.updated"; room: { name: string; topic: string; visibility: RoomVisibility }; by: User };

/** The user stream's `membership` event: the user was added to a room (an invite, a DM) or removed from one. */
export interface MembershipEvent {
  type: "userEvent";
  seq: number;
  kind: "membership";
  roomId: string;
  membership: "added" | "removed";
  room?: RoomListing;
}

export interface RoomAccessDeps {
  http: Pick<HttpClient, "invite" | "setRole" | "removeMember" | "ban" | "updateRoom" | "users" | "me">;
  rooms: RoomsStore;
  members: MembersStore;
  me: () => string | undefined;
  /** Starts following a room the user is now in: its read state, settings and subscription. */
  enter: (room: RoomListing) => void;
  /** Drops everything held of a room the user is no longer in. */
  forget: (roomId: string) => void;
}

/**
 * Who is in which room and with what role, kept live: the room stream's `member.role`,
 * `member.removed` and `room.updated` events, the user stream's `membership` events (every device
 * of the user gains or loses the room at once) and `unsubscribed {reason: "removed"}`; and the
 * actions of owners and moderators, whose answers apply at once (their events then change nothing).
 */
export function createRoomAccess({ http, rooms, members, me, enter, forget }: RoomAccessDeps) {
  const [admin, setAdmin] = createSignal(false);

  /**
   * The user is out of a room they were in: the room goes, and the notice of why stays for its
   * view. Several frames say it (the event, `unsubscribed`, the user stream): the first ends the
   * room, a later one only says more (banned rather than removed).
   */
  function expel(roomId: string, reason: RemovalReason) {
    const room = rooms.joined().find((r) => r.id === roomId);
    const known = rooms.removal(roomId);
    if (room) rooms.noteRemoval(roomId, { label: roomLabel(room, me()), reason });
    else if (known && reason !== "removed") rooms.noteRemoval(roomId, { ...known, reason });
    if (room) forget(roomId);
  }

  return {
    /** Whether the user runs the server (`GET /api/me`): they moderate every room but DMs. */
    admin,
    loadAdmin: () =>
      http.me().then(
        (answer) => setAdmin(answer.admin === true),
        () => {},
      ),
    /** A room stream event of the access kinds; any other kind is the timeline's. */
    event(frame: { kind: string; roomId: string }) {
      const e = frame as AccessEvent;
      switch (e.kind) {
        case "member.role":
          members.setRole(e.roomId, e.member.user.id, e.member.role);
          if (e.member.user.id === me()) rooms.update(e.roomId, { role: e.member.role });
          return;
        case "member.removed":
          if (e.member.user.id === me()) return expel(e.roomId, e.reason);
          return members.remove(e.roomId, e.member.user.id);
        case "room.updated":
          return rooms.update(e.roomId, { name: e.room.name, topic: e.room.topic, visibility: e.room.visibility });
      }
    },
    /** A user stream event not handled before (the caller checks the cursor). */
    userEvent(frame: { kind: string }) {
      if (frame.kind !== "membership") return;
      const e = frame as MembershipEvent;
      if (e.membership === "removed") return expel(e.roomId, "removed");
      if (e.room && !rooms.isMember(e.roomId)) {
        rooms.added(e.room);
        enter(e.room);
      }
    },
    /** `unsubscribed`: "removed" is a kick or ban (parley.v2), seen before or without its event. */
    unsubscribed(roomId: string, reason: string) {
      if (reason === "removed") expel(roomId, "removed");
    },
    /** Users whose name starts with `q`, for the pickers. */
    findUsers: (q: string) => http.users(q).then((answer) => answer.users),
    async invite(roomId: string, userId: string) {
      const { member } = await http.invite(roomId, userId);
      members.add(roomId, member);
      return member;
    },
    async setRole(roomId: string, userId: string, role: RoomRole) {
      const { member } = await http.setRole(roomId, userId, role);
      members.setRole(roomId, userId, member.role ?? role);
      if (userId === me()) rooms.update(roomId, { role: member.role ?? role });
    },
    async removeMember(roomId: string, userId: string) {
      await http.removeMember(roomId, userId);
      members.remove(roomId, userId);
    },
    async ban(roomId: string, userId: string) {
      await http.ban(roomId, userId);
      members.remove(roomId, userId);
    },
    async updateRoom(roomId: string, change: RoomChange) {
      const { room } = await http.updateRoom(roomId, change);
      rooms.update(roomId, { name: room.name, topic: room.topic, visibility: room.visibility });
    },
  };
}

export type RoomAccessSession = ReturnType<typeof createRoomAccess>;
