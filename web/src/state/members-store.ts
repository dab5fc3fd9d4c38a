import { createStore } from "solid-js/store";
import type { Member, User } from "@parley/protocol";

/**
 * Each room's members, for the composer's mention picker: loaded the first time a room's list is
 * asked for (the picker opening), then kept for the session. A failed load leaves the list empty
 * and is tried again at the next ask.
 */
export function createMembersStore(load: (roomId: string) => Promise<Member[]>) {
  const [members, setMembers] = createStore<Record<string, Member[]>>({});
  const requested = new Set<string>();
  return {
    /** The room's members as last loaded (empty until they are); the first call starts the load. */
    of(roomId: string): Member[] {
      if (!requested.has(roomId)) {
        requested.add(roomId);
        load(roomId).then(
          (list) => setMembers(roomId, list),
          () => requested.delete(roomId),
        );
      }
      return members[roomId] ?? [];
    },
  };
}

export type MembersStore = ReturnType<typeof createMembersStore>;

/**
 * Members with who is online now taken from live presence rather than from when the list was
 * loaded; someone online who joined since then is added, so a newcomer can be mentioned at once.
 */
export function withPresence(members: readonly Member[], online: readonly User[]): Member[] {
  const onlineIds = new Set(online.map((u) => u.id));
  const known = new Set(members.map((m) => m.id));
  return [...members.map((m) => ({ ...m, online: onlineIds.has(m.id) })), ...online.filter((u) => !known.has(u.id)).map((u) => ({ ...u, online: true }))];
}
