import { createStore, reconcile } from "solid-js/store";
import type { User } from "@parley/protocol";
import type { RoomMember, RoomRole } from "../transport/http-client.ts";

/**
 * Each room's members, for the composer's mention picker and the members list: loaded the first
 * time a room's list is asked for, then kept for the session and changed by the room's
 * `member.role` and `member.removed` events. A failed load leaves the list empty and is tried
 * again at the next ask; `reload` reads it afresh (the list opening: people join without an event).
 */
export function createMembersStore(load: (roomId: string) => Promise<RoomMember[]>) {
  const [members, setMembers] = createStore<Record<string, RoomMember[] | undefined>>({});
  const requested = new Set<string>();
  const fetch = (roomId: string) => {
    requested.add(roomId);
    load(roomId).then(
      (list) => setMembers(roomId, reconcile(list, { key: "id" })),
      () => requested.delete(roomId),
    );
  };
  /** Changes the room's list if it is held (one not loaded yet will come with the change). */
  const change = (roomId: string, edit: (list: RoomMember[]) => void) => {
    const held = members[roomId];
    if (!held) return;
    const list = held.map((m) => ({ ...m }));
    edit(list);
    // By id: a member's row (and its open menu) stays while the list changes around it.
    setMembers(roomId, reconcile(list, { key: "id" }));
  };
  return {
    /** The room's members as last loaded (empty until they are); the first call starts the load. */
    of(roomId: string): RoomMember[] {
      if (!requested.has(roomId)) fetch(roomId);
      return members[roomId] ?? [];
    },
    reload: fetch,
    /** A member's new role (a `member.role` event, or the answer to our change). */
    setRole(roomId: string, userId: string, role: RoomRole) {
      change(roomId, (list) => list.filter((m) => m.id === userId).forEach((m) => (m.role = role)));
    },
    /** Someone was added (an invite answered): by name, as the server lists them. */
    add(roomId: string, member: RoomMember) {
      change(roomId, (list) => {
        if (list.some((m) => m.id === member.id)) return;
        list.push(member);
        list.sort((a, b) => a.username.localeCompare(b.username));
      });
    },
    /** Someone left, was kicked or banned. */
    remove(roomId: string, userId: string) {
      change(roomId, (list) => {
        const i = list.findIndex((m) => m.id === userId);
        if (i >= 0) list.splice(i, 1);
      });
    },
    /** The room is gone from the user's view: its list is read again if it comes back. */
    forget(roomId: string) {
      requested.delete(roomId);
      setMembers(roomId, undefined);
    },
  };
}

export type MembersStore = ReturnType<typeof createMembersStore>;

/**
 * Members with who is online now taken from live presence rather than from when the list was
 * loaded; someone online who joined since then is added, so a newcomer can be mentioned at once.
 */
export function withPresence(members: readonly RoomMember[], online: readonly User[]): RoomMember[] {
  const onlineIds = new Set(online.map((u) => u.id));
  const known = new Set(members.map((m) => m.id));
  return [...members.map((m) => ({ ...m, online: onlineIds.has(m.id) })), ...online.filter((u) => !known.has(u.id)).map((u) => ({ ...u, online: true }))];
}
