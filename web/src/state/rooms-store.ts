import { createSignal } from "solid-js";
import { createStore, produce } from "solid-js/store";
import type { Message, ReadState } from "@parley/protocol";
import { isDm } from "../lib/room-label.ts";
import type { HttpClient, RoomListing, RoomVisibility } from "../transport/http-client.ts";
import { addLive, countPast, emptyTally, rebase, type ReadTally } from "./read-tally.ts";

/** What a parley.v2 `subscribed` frame says of the user's place in a room. */
export type SubscribedState = { roomId: string; lastSeq: number } & Partial<ReadState>;

/** Why the user is no longer in a room they had open: they were removed ("kicked", or by a v2 `unsubscribed`) or banned. */
export type RemovalReason = "kicked" | "banned" | "removed";
export interface Removal {
  /** The room as it was called (roomLabel), kept to say where from once the room is gone. */
  label: string;
  reason: RemovalReason;
}

/** Rooms by name, then DMs in the order they were put in (the most recently active first). */
const byKind = (a: RoomListing, b: RoomListing) => (isDm(a) ? (isDm(b) ? 0 : 1) : isDm(b) ? -1 : a.name.localeCompare(b.name));

/** Messages that show in the room's timeline: top-level ones and replies also sent to the room. */
const inTimeline = (m: Message) => !m.parentId || m.alsoToRoom === true;

/**
 * The rooms and DMs the user belongs to, with where the user has read to in each. The read marker is the
 * server's (the same on every device): it comes with the room list, each `subscribed` and the
 * user's `read` events, and reading moves it here at once and on the server after. The unread
 * count is the server's at the last list or `subscribed`, plus messages of others arriving since.
 */
export function createRoomsStore(
  http: Pick<HttpClient, "listRooms" | "createRoom" | "join" | "leave" | "markRead" | "dms" | "startDm">,
  storage: Pick<Storage, "getItem" | "removeItem">,
  userId: () => string | undefined,
) {
  const [joined, setJoined] = createStore<RoomListing[]>([]);
  const [newest, setNewest] = createStore<Record<string, number>>({});
  const [read, setRead] = createStore<Record<string, number>>({});
  const [tallies, setTallies] = createStore<Record<string, ReadTally | undefined>>({});
  const [removals, setRemovals] = createStore<Record<string, Removal | undefined>>({});
  const [loaded, setLoaded] = createSignal(false);
  /** The server's marker per room as last heard, and the rooms whose `POST …/read` is in flight. */
  const confirmed = new Map<string, number>();
  const sending = new Set<string>();

  /** Puts in (or replaces) a room; a DM new here goes first among the DMs. */
  const upsert = (room: RoomListing) => {
    setJoined(
      produce((list) => {
        const i = list.findIndex((r) => r.id === room.id);
        if (i >= 0) list[i] = { ...room, joined: true };
        else list.unshift({ ...room, joined: true });
        list.sort(byKind);
      }),
    );
    setRemovals(room.id, undefined);
    listed(room);
  };
  /** A DM with a new message moves to the top of the DMs. */
  const bump = (roomId: string) => {
    const i = joined.findIndex((r) => r.id === roomId);
    const first = joined.findIndex(isDm);
    if (i < 0 || !isDm(joined[i]!) || i === first) return;
    setJoined(produce((list) => list.splice(first, 0, ...list.splice(i, 1))));
  };
  /** The local marker never moves back: another tab or device may have read further. */
  const moveRead = (roomId: string, seq: number) => {
    if ((read[roomId] ?? -1) < seq) setRead(roomId, seq);
  };
  const heard = (roomId: string, seq: number) => {
    if ((confirmed.get(roomId) ?? -1) < seq) confirmed.set(roomId, seq);
    moveRead(roomId, seq);
  };
  /**
   * Tells the server the local marker, one request per room at a time: reads made meanwhile go in
   * the next one (only the latest matters). A failed one is sent again by the next read or `subscribed`.
   */
  async function send(roomId: string) {
    const target = read[roomId] ?? 0;
    if (sending.has(roomId) || target <= (confirmed.get(roomId) ?? 0)) return;
    sending.add(roomId);
    let answer: ReadState;
    try {
      answer = (await http.markRead(roomId, target)).readState;
    } catch {
      return;
    } finally {
      sending.delete(roomId);
    }
    // The server takes a seq past the room's newest as the newest: what was asked is read either way.
    heard(roomId, Math.max(target, answer.lastReadSeq));
    await send(roomId);
  }
  /**
   * A room's read state from the list or a join (a room just created comes without one: nothing in
   * it is unread). A `subscribed` count says up to which seq it counted, so it wins.
   */
  function listed(room: RoomListing) {
    if (room.lastReadSeq === undefined) return moveRead(room.id, 0);
    heard(room.id, room.lastReadSeq);
    if (tallies[room.id]?.asOf === undefined) setTallies(room.id, rebase(tallies[room.id], room.unreadCount ?? 0, room.lastReadSeq));
  }
  /**
   * Once per device: what it read while markers lived in its storage (`parley.read.<user>`) is sent
   * to the server, so an upgrade does not show every room unread. The server's marker never moves
   * back, so a device that had read less changes nothing.
   */
  function migrateStoredReads() {
    const key = `parley.read.${userId()}`;
    const stored = storage.getItem(key);
    if (stored === null) return;
    storage.removeItem(key);
    let saved: unknown;
    try {
      saved = JSON.parse(stored);
    } catch {
      return;
    }
    if (typeof saved !== "object" || saved === null) return;
    for (const [roomId, seq] of Object.entries(saved)) {
      if (typeof seq !== "number" || !joined.some((r) => r.id === roomId)) continue;
      moveRead(roomId, seq);
      void send(roomId);
    }
  }

  return {
    /** Every room and DM the user is in: the rooms by name, then the DMs. */
    joined: () => joined,
    loaded,
    isMember: (roomId: string) => joined.some((r) => r.id === roomId),
    /** The DMs among them, the most recently active first. */
    dms: () => joined.filter(isDm),
    /** The rooms, then the DMs (a sidebar without its DMs beats no sidebar: their failure is left out). */
    async load() {
      const [{ rooms }, { dms }] = await Promise.all([http.listRooms({ joined: true }), http.dms().catch(() => ({ dms: [] as RoomListing[] }))]);
      const all = [...rooms.filter((r) => !isDm(r)), ...dms.map((d) => ({ ...d, kind: "dm" as const }))].sort(byKind);
      setJoined(all);
      all.forEach(listed);
      migrateStoredReads();
      setLoaded(true);
    },
    search: (q: string) => http.listRooms(q.trim() ? { q: q.trim() } : {}).then((r) => r.rooms),
    async create(name: string, topic: string, visibility: RoomVisibility = "public") {
      const { room } = await http.createRoom(name, topic.trim() || undefined, visibility);
      upsert(room);
      return room;
    },
    /** Opens the DM with these people (the server answers the existing one for the same set). */
    async startDm(userIds: string[]) {
      const { room } = await http.startDm(userIds);
      upsert({ ...room, kind: "dm" });
      return room;
    },
    /** A room the user was added to elsewhere (an invite, a DM someone started): a user `membership` event. */
    added: (room: RoomListing) => upsert(room),
    /** Applies a change the room's stream announced (`room.updated`, the user's own `member.role`). */
    update(roomId: string, change: Partial<RoomListing>) {
      setJoined(
        (r) => r.id === roomId,
        (r) => ({ ...r, ...change }),
      );
      setJoined(produce((list) => list.sort(byKind)));
    },
    /** Why the user is no longer in a room (kicked or banned), until they are in it again. */
    removal: (roomId: string): Removal | undefined => removals[roomId],
    noteRemoval(roomId: string, removal: Removal) {
      setRemovals(roomId, removal);
    },
    async join(roomId: string) {
      const { room } = await http.join(roomId);
      upsert(room);
      return room;
    },
    async leave(roomId: string) {
      await http.leave(roomId);
      this.removed(roomId);
    },
    /** The server ended our membership (we left, perhaps in another tab); a rejoin brings its count anew. */
    removed(roomId: string) {
      setJoined((list) => list.filter((r) => r.id !== roomId));
      setTallies(roomId, undefined);
    },
    /** A `subscribed`: the room's newest seq, and the server's marker and count as the subscription started. */
    synced(frame: SubscribedState) {
      if ((newest[frame.roomId] ?? -1) < frame.lastSeq) setNewest(frame.roomId, frame.lastSeq);
      if (frame.lastReadSeq === undefined) return;
      heard(frame.roomId, frame.lastReadSeq);
      setTallies(frame.roomId, rebase(tallies[frame.roomId], frame.unreadCount ?? 0, frame.lastReadSeq, frame.lastSeq));
      // A read the server has not heard of (its request failed, or is still on its way) goes again.
      void send(frame.roomId);
    },
    /** A live message: the room reached its seq, and one of someone else's in the timeline is unread until read. */
    arrived(message: Message) {
      const { roomId, seq } = message;
      if ((newest[roomId] ?? -1) < seq) setNewest(roomId, seq);
      bump(roomId);
      if (message.user.id !== userId() && inTimeline(message)) setTallies(roomId, addLive(tallies[roomId] ?? emptyTally(), seq, read[roomId] ?? 0));
    },
    /** Everything the room reached is read: at once here, then on the server. */
    markRead(roomId: string) {
      moveRead(roomId, newest[roomId] ?? 0);
      void send(roomId);
    },
    /** A `read` event of the user's stream: the marker moved on some device (this one included). */
    readElsewhere: heard,
    /** Whether the room's marker came from the server yet (the room list or its `subscribed`). */
    knowsRead: (roomId: string) => read[roomId] !== undefined,
    lastRead: (roomId: string) => read[roomId] ?? 0,
    unread: (roomId: string) => countPast(tallies[roomId], read[roomId] ?? 0, newest[roomId]),
    setOnlineCount: (roomId: string, count: number) => setJoined((r) => r.id === roomId, "onlineCount", count),
  };
}
export type RoomsStore = ReturnType<typeof createRoomsStore>;
