type DraftStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/**
 * What the user has typed but not sent, per room: kept in storage (one key per user and room) so a
 * draft survives switching rooms and reloading the page, and dropped once it is sent or emptied.
 */
export function createDraftsStore(storage: DraftStorage, userId: string) {
  const key = (roomId: string) => `parley.draft.${userId}.${roomId}`;
  return {
    /** The room's draft, or "" when there is none. */
    get: (roomId: string) => storage.getItem(key(roomId)) ?? "",
    /** Remembers the room's draft; an empty (or blank) one is forgotten. */
    set(roomId: string, text: string) {
      try {
        if (text.trim()) storage.setItem(key(roomId), text);
        else storage.removeItem(key(roomId));
      } catch {
        // Storage full or disabled: the draft lives only in the box.
      }
    },
  };
}
export type DraftsStore = ReturnType<typeof createDraftsStore>;
