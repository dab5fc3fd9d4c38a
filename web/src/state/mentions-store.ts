import { createStore } from "solid-js/store";
import type { UserEvent } from "@parley/protocol/client";

/** What is kept per user: where the stream was read to, and the room seqs of mentions not yet read. */
interface Saved {
  cursor?: number;
  rooms: Record<string, number[]>;
}

/**
 * Mentions of the user, per room, from the user's own stream (parley.v2 `subscribeUser`): a room's
 * count is its mentions past the last seq read there (rooms-store), so reading a room clears them.
 * The stream's cursor and the unread mentions are kept in storage, so a reload resumes the stream
 * where it was and keeps the counts.
 */
export function createMentionsStore(storage: Pick<Storage, "getItem" | "setItem">, userId: () => string | undefined, lastRead: (roomId: string) => number) {
  const [saved, setSaved] = createStore<Saved>({ rooms: {} });
  const key = () => `parley.mentions.${userId()}`;
  const persist = () => {
    // Only what is still unread is worth keeping.
    const rooms = Object.fromEntries(
      Object.entries(saved.rooms)
        .map(([roomId, seqs]) => [roomId, seqs.filter((seq) => seq > lastRead(roomId))] as const)
        .filter(([, seqs]) => seqs.length > 0),
    );
    storage.setItem(key(), JSON.stringify({ cursor: saved.cursor, rooms }));
  };

  return {
    load() {
      try {
        const value = JSON.parse(storage.getItem(key()) ?? "{}") as Partial<Saved>;
        setSaved({ cursor: typeof value.cursor === "number" ? value.cursor : undefined, rooms: value.rooms ?? {} });
      } catch {
        setSaved({ cursor: undefined, rooms: {} });
      }
    },
    /** The seq to resume the stream after: undefined the first time (live events only). */
    afterSeq: () => saved.cursor,
    /** `userSubscribed`: the stream's newest seq. A cursor past it (a restored server) starts over from it. */
    subscribed(lastSeq: number) {
      if (saved.cursor === undefined || saved.cursor > lastSeq) {
        setSaved("cursor", lastSeq);
        persist();
      }
    },
    /** A `userEvent`: a mention of a message not yet read in its room counts there. */
    received(event: UserEvent) {
      if (saved.cursor !== undefined && event.seq <= saved.cursor) return;
      setSaved("cursor", event.seq);
      const { roomId, message } = event;
      if (event.kind === "mention" && message && !message.deleted && message.seq > lastRead(roomId) && !(saved.rooms[roomId] ?? []).includes(message.seq)) {
        setSaved("rooms", roomId, (seqs) => [...(seqs ?? []), message.seq]);
      }
      persist();
    },
    /** Mentions in the room past its last read seq. */
    count: (roomId: string) => (saved.rooms[roomId] ?? []).filter((seq) => seq > lastRead(roomId)).length,
    forget(roomId: string) {
      setSaved("rooms", roomId, []);
      persist();
    },
  };
}
export type MentionsStore = ReturnType<typeof createMentionsStore>;
