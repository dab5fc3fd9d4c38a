import { createSignal } from "solid-js";
import type { RoomEvent, UserEvent } from "@parley/protocol";
import { roomLabel } from "../lib/room-label.ts";
import type { HttpClient, RoomChange, RoomListing, RoomRole } from "../transport/http-client.ts";
import type { MembersStore } from "./members-store.ts";
import type { RemovalReason, RoomsStore } from "./rooms-store.ts";

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
    /** A room stream event of the access kinds (docs/protocol.md, "Private rooms, DMs and roles"); any other kind is the timeline's. */
    event(e: RoomEvent) {
      const user = e.member?.user;
      switch (e.kind) {
        case "member.role":
          if (!user || !e.member?.role) return;
          members.setRole(e.roomId, user.id, e.member.role);
          if (user.id === me()) rooms.update(e.roomId, { role: e.member.role });
          return;
        case "member.removed":
          if (!user) return;
          if (user.id === me()) return expel(e.roomId, e.reason ?? "removed");
          return members.remove(e.roomId, user.id);
        case "room.updated":
          if (e.room) rooms.update(e.roomId, { name: e.room.name, topic: e.room.topic, visibility: e.room.visibility });
          return;
      }
    },
    /** A user stream event not handled before (the caller checks the cursor): `membership` adds or removes a room. */
    userEvent(e: UserEvent) {
      if (e.kind !== "membership") return;
      if (e.membership === "removed") return expel(e.roomId, "removed");
      // Left on another device (or here, heard back): the room goes, with no notice.
      if (e.membership === "left") return rooms.isMember(e.roomId) ? forget(e.roomId) : undefined;
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
