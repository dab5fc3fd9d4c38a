import { createStore, produce } from "solid-js/store";
import type { Message } from "@parley/protocol";

/** A message of ours not yet acknowledged: shown at once, confirmed by `ack`, or failed with a reason. */
export interface PendingMessage {
  clientId: string;
  body: string;
  createdAt: string;
  status: "pending" | "failed";
  error?: string;
}

/** A line in the timeline that is not a message ("alice joined"). It sits after message `afterSeq`. */
export interface Notice {
  id: string;
  afterSeq: number;
  text: string;
  at: string;
}

export interface Timeline {
  messages: Message[];
  pending: PendingMessage[];
  notices: Notice[];
  /** Older messages exist before the first one held. */
  hasMore: boolean;
  loaded: boolean;
  loadingOlder: boolean;
  error?: string;
}

const empty = (): Timeline => ({ messages: [], pending: [], notices: [], hasMore: false, loaded: false, loadingOlder: false });

/** Merges messages into a list ordered by seq, keeping the first copy of each seq. */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  const last = existing.at(-1);
  if (incoming.length === 1 && (!last || incoming[0]!.seq > last.seq)) return [...existing, incoming[0]!];
  const bySeq = new Map(existing.map((m) => [m.seq, m]));
  let added = false;
  for (const m of incoming) {
    if (bySeq.has(m.seq)) continue;
    bySeq.set(m.seq, m);
    added = true;
  }
  return added ? [...bySeq.values()].sort((a, b) => a.seq - b.seq) : (existing as Message[]);
}

/**
 * Each open room's messages, in the room's order (seq), with our pending sends after them.
 * A stored message whose `clientId` matches a pending one replaces it, so nothing shows twice.
 */
export function createTimelineStore() {
  const [rooms, setRooms] = createStore<Record<string, Timeline>>({});
  let noticeIds = 0;

  const ensure = (roomId: string) => {
    if (!rooms[roomId]) setRooms(roomId, empty());
    return rooms[roomId]!;
  };
  const update = (roomId: string, change: (t: Timeline) => void) => {
    if (rooms[roomId]) setRooms(roomId, produce(change));
  };

  return {
    get: (roomId: string): Timeline | undefined => rooms[roomId],
    ensure,
    /** The newest seq held, for `subscribe.afterSeq`; undefined for a room not loaded. */
    lastSeq: (roomId: string) => (rooms[roomId]?.loaded ? (rooms[roomId]!.messages.at(-1)?.seq ?? 0) : undefined),
    /** Adds stored messages (live, replayed, acknowledged or a page of history). */
    add(roomId: string, messages: Message[]) {
      update(roomId, (t) => {
        t.messages = mergeMessages(t.messages, messages);
        const confirmed = new Set(messages.map((m) => m.clientId));
        if (t.pending.some((p) => confirmed.has(p.clientId))) t.pending = t.pending.filter((p) => !confirmed.has(p.clientId));
      });
    },
    /** A page of history: older than what is held, or the first page. */
    page(roomId: string, messages: Message[], hasMore: boolean) {
      this.add(roomId, messages);
      update(roomId, (t) => {
        if (!t.loaded || messages.length === 0 || messages[0]!.seq <= (t.messages[0]?.seq ?? Infinity)) t.hasMore = hasMore;
        t.loaded = true;
        t.loadingOlder = false;
        t.error = undefined;
      });
    },
    setLoading: (roomId: string, loading: boolean, error?: string) => update(roomId, (t) => ((t.loadingOlder = loading), (t.error = error))),
    /** Forgets the held messages (a replay that was `limited` left a gap); pending sends stay. */
    reset: (roomId: string) => update(roomId, (t) => ((t.messages = []), (t.notices = []), (t.hasMore = true))),
    addPending: (roomId: string, clientId: string, body: string) =>
      update(roomId, (t) => void t.pending.push({ clientId, body, createdAt: new Date().toISOString(), status: "pending" })),
    /** Marks a send failed (the server refused it) or pending again (retry). */
    setStatus(roomId: string, clientId: string, status: PendingMessage["status"], error?: string) {
      update(roomId, (t) => {
        const p = t.pending.find((x) => x.clientId === clientId);
        if (p) Object.assign(p, { status, error });
      });
    },
    discard: (roomId: string, clientId: string) => update(roomId, (t) => void (t.pending = t.pending.filter((p) => p.clientId !== clientId))),
    notice(roomId: string, text: string) {
      update(roomId, (t) => void t.notices.push({ id: `n${++noticeIds}`, afterSeq: t.messages.at(-1)?.seq ?? 0, text, at: new Date().toISOString() }));
    },
    drop: (roomId: string) => setRooms(produce((all) => void delete all[roomId])),
  };
}
export type TimelineStore = ReturnType<typeof createTimelineStore>;
