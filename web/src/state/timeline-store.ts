import { batch, createSignal, type Accessor } from "solid-js";
import type { Message } from "@parley/protocol";

/** A message of ours not yet acknowledged: shown at once, confirmed by `ack`, or failed with a reason. */
export interface PendingMessage {
  clientId: string;
  body: string;
  createdAt: string;
  status: "pending" | "failed";
  error?: string;
}

/**
 * One room's held history: a contiguous window of messages ordered by seq, and our pending sends.
 * The window usually reaches the live end; a room opened at its first unread holds a window around
 * it instead (`hasNewer`), and live messages wait aside until paging forward reaches them.
 * Every field is a signal of its own, and `messages` is a plain array replaced on change, so a new
 * message costs one array copy, not a walk through a reactive proxy per message.
 */
export interface Timeline {
  messages: Accessor<readonly Message[]>;
  pending: Accessor<readonly PendingMessage[]>;
  /** Older messages exist before the first one held. */
  hasMore: Accessor<boolean>;
  /** Newer messages exist after the last one held (the window does not reach the live end). */
  hasNewer: Accessor<boolean>;
  loaded: Accessor<boolean>;
  loadingOlder: Accessor<boolean>;
  loadingNewer: Accessor<boolean>;
  error: Accessor<string | undefined>;
  /** Bumped when the held window is replaced (a gap, a jump): views start again from it. */
  generation: Accessor<number>;
  /** The live messages the last delivery added at the end (not pages of history): what a "new messages" count counts. */
  arrivals: Accessor<readonly Message[]>;
}

/** How many live messages are kept aside while the window does not reach the live end. */
const ASIDE_MAX = 1000;

/** Merges messages into a list ordered by seq, keeping the first copy of each seq; returns `existing` when nothing is new. */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): readonly Message[] {
  const last = existing.at(-1);
  if (incoming.length === 1 && (!last || incoming[0]!.seq > last.seq)) return [...existing, incoming[0]!];
  const first = existing[0];
  if (first && incoming.length > 0 && incoming.every((m, i) => m.seq < first.seq && (i === 0 || m.seq > incoming[i - 1]!.seq)))
    return [...incoming, ...existing];
  const bySeq = new Map(existing.map((m) => [m.seq, m]));
  let added = false;
  for (const m of incoming) {
    if (bySeq.has(m.seq)) continue;
    bySeq.set(m.seq, m);
    added = true;
  }
  return added ? [...bySeq.values()].sort((a, b) => a.seq - b.seq) : existing;
}

function createRoomTimeline() {
  const [messages, setMessages] = createSignal<readonly Message[]>([]);
  const [pending, setPending] = createSignal<readonly PendingMessage[]>([]);
  const [hasMore, setHasMore] = createSignal(false);
  const [hasNewer, setHasNewer] = createSignal(false);
  const [loaded, setLoaded] = createSignal(false);
  const [loadingOlder, setLoadingOlder] = createSignal(false);
  const [loadingNewer, setLoadingNewer] = createSignal(false);
  const [error, setError] = createSignal<string>();
  const [generation, setGeneration] = createSignal(0);
  const [arrivals, setArrivals] = createSignal<readonly Message[]>([]);
  /** Live messages that arrived while the window did not reach them. */
  let aside: Message[] = [];

  const view: Timeline = { messages, pending, hasMore, hasNewer, loaded, loadingOlder, loadingNewer, error, generation, arrivals };

  function hold(incoming: readonly Message[]) {
    setMessages((held) => mergeMessages(held, incoming));
    const confirmed = new Set(incoming.map((m) => m.clientId));
    if (pending().some((p) => confirmed.has(p.clientId))) setPending((list) => list.filter((p) => !confirmed.has(p.clientId)));
  }

  return {
    view,
    /** A stored message from the socket (live, replayed or acknowledged). */
    live(incoming: readonly Message[]) {
      if (!hasNewer()) {
        const last = messages().at(-1)?.seq ?? -1;
        // Only what lands after the newest held is news; a late older one merges in silently.
        const added = incoming.filter((m) => m.seq > last);
        return batch(() => {
          hold(incoming);
          if (added.length > 0) setArrivals(added);
        });
      }
      // Not shown yet (the window is older), but our own send is confirmed all the same.
      aside = mergeMessages(aside, incoming).slice(-ASIDE_MAX) as Message[];
      const confirmed = new Set(incoming.map((m) => m.clientId));
      setPending((list) => list.filter((p) => !confirmed.has(p.clientId)));
    },
    /** A page of older history (or the first page, the newest messages). */
    older(page: readonly Message[], more: boolean) {
      batch(() => {
        hold(page);
        const first = messages()[0]?.seq ?? Infinity;
        if (!loaded() || page.length === 0 || page[0]!.seq <= first) setHasMore(more);
        setLoaded(true);
        setLoadingOlder(false);
        setError(undefined);
      });
    },
    /** A page of newer history; when it reaches the end, the live messages kept aside join it. */
    newer(page: readonly Message[], more: boolean) {
      batch(() => {
        hold(page);
        setLoadingNewer(false);
        setError(undefined);
        if (more) return;
        setHasNewer(false);
        hold(aside);
        aside = [];
      });
    },
    /** A window around a seq: `before` ends at it, `after` starts just after it. */
    around(before: readonly Message[], olderMore: boolean, after: readonly Message[], newerMore: boolean) {
      batch(() => {
        // Live messages that came while the window loaded are newer than it: shown or kept aside.
        const arrived = mergeMessages(messages(), aside);
        setMessages([]);
        aside = [];
        setHasNewer(newerMore);
        hold([...before, ...after]);
        if (newerMore) aside = arrived.slice(-ASIDE_MAX) as Message[];
        else hold(arrived);
        setHasMore(olderMore);
        setLoaded(true);
        setLoadingOlder(false);
        setError(undefined);
        setGeneration((g) => g + 1);
      });
    },
    setLoadingOlder(loading: boolean, problem?: string) {
      batch(() => (setLoadingOlder(loading), setError(problem)));
    },
    setLoadingNewer(loading: boolean, problem?: string) {
      batch(() => (setLoadingNewer(loading), setError(problem)));
    },
    /** Forgets the held window (a replay that was `limited` left a gap, or a jump to the end); pending sends stay. */
    reset() {
      batch(() => {
        setMessages([]);
        aside = [];
        setHasNewer(false);
        setHasMore(true);
        setGeneration((g) => g + 1);
      });
    },
    addPending: (clientId: string, body: string) => setPending((list) => [...list, { clientId, body, createdAt: new Date().toISOString(), status: "pending" }]),
    setStatus: (clientId: string, status: PendingMessage["status"], problem?: string) =>
      setPending((list) => list.map((p) => (p.clientId === clientId ? { ...p, status, error: problem } : p))),
    discard: (clientId: string) => setPending((list) => list.filter((p) => p.clientId !== clientId)),
  };
}
type RoomTimeline = ReturnType<typeof createRoomTimeline>;

/**
 * Each open room's messages, in the room's order (seq), with our pending sends after them.
 * A stored message whose `clientId` matches a pending one replaces it, so nothing shows twice.
 */
export function createTimelineStore() {
  const rooms = new Map<string, RoomTimeline>();
  const [version, setVersion] = createSignal(0);
  const with_ = (roomId: string, change: (t: RoomTimeline) => void) => {
    const t = rooms.get(roomId);
    if (t) change(t);
  };

  return {
    /** The room's timeline, once something asked for it (reactive: a view mounted early sees it appear). */
    get: (roomId: string): Timeline | undefined => (version(), rooms.get(roomId)?.view),
    ensure(roomId: string): Timeline {
      let t = rooms.get(roomId);
      if (!t) {
        rooms.set(roomId, (t = createRoomTimeline()));
        setVersion((v) => v + 1);
      }
      return t.view;
    },
    /**
     * The newest seq held, for `subscribe.afterSeq`; undefined for a room not loaded, or one whose
     * window does not reach the live end (its gap is closed by paging, not by a replay).
     */
    lastSeq(roomId: string) {
      const t = rooms.get(roomId)?.view;
      if (!t?.loaded() || t.hasNewer()) return undefined;
      return t.messages().at(-1)?.seq ?? 0;
    },
    add: (roomId: string, messages: Message[]) => with_(roomId, (t) => t.live(messages)),
    /** A page of history: older than what is held, or the first page. */
    page: (roomId: string, messages: Message[], hasMore: boolean) => with_(roomId, (t) => t.older(messages, hasMore)),
    newer: (roomId: string, messages: Message[], hasMore: boolean) => with_(roomId, (t) => t.newer(messages, hasMore)),
    around: (roomId: string, before: { messages: Message[]; hasMore: boolean }, after: { messages: Message[]; hasMore: boolean }) =>
      with_(roomId, (t) => t.around(before.messages, before.hasMore, after.messages, after.hasMore)),
    setLoading: (roomId: string, loading: boolean, error?: string) => with_(roomId, (t) => t.setLoadingOlder(loading, error)),
    setLoadingNewer: (roomId: string, loading: boolean, error?: string) => with_(roomId, (t) => t.setLoadingNewer(loading, error)),
    reset: (roomId: string) => with_(roomId, (t) => t.reset()),
    addPending: (roomId: string, clientId: string, body: string) => with_(roomId, (t) => t.addPending(clientId, body)),
    /** Marks a send failed (the server refused it) or pending again (retry). */
    setStatus: (roomId: string, clientId: string, status: PendingMessage["status"], error?: string) =>
      with_(roomId, (t) => t.setStatus(clientId, status, error)),
    discard: (roomId: string, clientId: string) => with_(roomId, (t) => t.discard(clientId)),
    drop(roomId: string) {
      if (rooms.delete(roomId)) setVersion((v) => v + 1);
    },
  };
}
export type TimelineStore = ReturnType<typeof createTimelineStore>;
