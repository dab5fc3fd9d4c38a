import { createStore } from "solid-js/store";
import type { UserEvent } from "@parley/protocol/client";
import type { RoomListing } from "../transport/http-client.ts";
import { addLive, countPast, emptyTally, rebase, type ReadTally } from "./read-tally.ts";
import type { SubscribedState } from "./rooms-store.ts";

/**
 * Mentions of the user, per room: the server's `mentionCount` at the room list and each
 * `subscribed`, plus mentions arriving since on the user's own stream (parley.v2 `subscribeUser`),
 * past the room's read marker (rooms-store), so reading the room on any device clears them. The
 * stream's cursor is kept in storage, so a reload resumes the stream where it was.
 */
export function createMentionsStore(storage: Pick<Storage, "getItem" | "setItem">, userId: () => string | undefined, lastRead: (roomId: string) => number) {
  const [tallies, setTallies] = createStore<Record<string, ReadTally | undefined>>({});
  let cursor: number | undefined;
  const key = () => `parley.mentions.${userId()}`;
  const persist = () => storage.setItem(key(), JSON.stringify({ cursor }));

  return {
    load() {
      try {
        const value = JSON.parse(storage.getItem(key()) ?? "{}") as { cursor?: unknown };
        cursor = typeof value.cursor === "number" ? value.cursor : undefined;
      } catch {
        cursor = undefined;
      }
    },
    /** The seq to resume the stream after: undefined the first time (live events only). */
    afterSeq: () => cursor,
    /** `userSubscribed`: the stream's newest seq. A cursor past it (a restored server) starts over from it. */
    subscribed(lastSeq: number) {
      if (cursor === undefined || cursor > lastSeq) {
        cursor = lastSeq;
        persist();
      }
    },
    /** A `userEvent`, once: a mention of a message not yet read counts in its room. */
    received(event: UserEvent) {
      if (cursor !== undefined && event.seq <= cursor) return;
      cursor = event.seq;
      const { roomId, message } = event;
      if (event.kind === "mention" && message && !message.deleted) setTallies(roomId, (t) => addLive(t ?? emptyTally(), message.seq, lastRead(roomId)));
      persist();
    },
    /** The room list's count; a `subscribed` count (which says up to which seq it counted) wins. */
    listed(room: RoomListing) {
      if (room.lastReadSeq === undefined || tallies[room.id]?.asOf !== undefined) return;
      setTallies(room.id, rebase(tallies[room.id], room.mentionCount ?? 0, room.lastReadSeq));
    },
    /** A `subscribed`: the server's count as the subscription started. */
    synced(frame: SubscribedState) {
      if (frame.lastReadSeq === undefined) return;
      setTallies(frame.roomId, rebase(tallies[frame.roomId], frame.mentionCount ?? 0, frame.lastReadSeq, frame.lastSeq));
    },
    /** Mentions in the room past its read marker. */
    count: (roomId: string) => countPast(tallies[roomId], lastRead(roomId)),
    forget: (roomId: string) => setTallies(roomId, undefined),
  };
}
export type MentionsStore = ReturnType<typeof createMentionsStore>;
