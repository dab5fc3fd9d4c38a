import { createSignal } from "solid-js";
import { createStore, produce } from "solid-js/store";
import type { HttpClient, RoomListing } from "../transport/http-client.ts";

/**
 * The rooms the user belongs to, with unread counts: the newest seq each room reached (from
 * `subscribed.lastSeq` and live messages) against the last seq read here, kept in storage.
 */
export function createRoomsStore(http: HttpClient, storage: Pick<Storage, "getItem" | "setItem">, userId: () => string | undefined) {
  const [joined, setJoined] = createStore<RoomListing[]>([]);
  const [newest, setNewest] = createStore<Record<string, number>>({});
  const [read, setRead] = createStore<Record<string, number>>({});
  const [loaded, setLoaded] = createSignal(false);
  const key = () => `parley.read.${userId()}`;

  const persist = () => storage.setItem(key(), JSON.stringify(read));
  const upsert = (room: RoomListing) =>
    setJoined(
      produce((list) => {
        const i = list.findIndex((r) => r.id === room.id);
        if (i >= 0) list[i] = { ...room, joined: true };
        else list.push({ ...room, joined: true });
        list.sort((a, b) => a.name.localeCompare(b.name));
      }),
    );

  return {
    joined: () => joined,
    loaded,
    isMember: (roomId: string) => joined.some((r) => r.id === roomId),
    async load() {
      setRead(JSON.parse(storage.getItem(key()) ?? "{}") as Record<string, number>);
      const { rooms } = await http.listRooms({ joined: true });
      setJoined(rooms.sort((a, b) => a.name.localeCompare(b.name)));
      setLoaded(true);
    },
    search: (q: string) => http.listRooms(q.trim() ? { q: q.trim() } : {}).then((r) => r.rooms),
    async create(name: string, topic: string) {
      const { room } = await http.createRoom(name, topic.trim() || undefined);
      upsert(room);
      return room;
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
    /** The server ended our membership (we left, perhaps in another tab). */
    removed: (roomId: string) => setJoined((list) => list.filter((r) => r.id !== roomId)),
    /** The room reached `seq`; a room seen for the first time starts with nothing unread. */
    reached(roomId: string, seq: number) {
      if ((newest[roomId] ?? -1) < seq) setNewest(roomId, seq);
      if (read[roomId] === undefined) this.markRead(roomId);
    },
    /** Everything the room reached is read (never moves back: another tab may have read further). */
    markRead(roomId: string) {
      const target = newest[roomId] ?? 0;
      if ((read[roomId] ?? -1) >= target) return;
      setRead(roomId, target);
      persist();
    },
    lastRead: (roomId: string) => read[roomId] ?? 0,
    unread: (roomId: string) => Math.max(0, (newest[roomId] ?? 0) - (read[roomId] ?? newest[roomId] ?? 0)),
    setOnlineCount: (roomId: string, count: number) => setJoined((r) => r.id === roomId, "onlineCount", count),
  };
}
export type RoomsStore = ReturnType<typeof createRoomsStore>;
