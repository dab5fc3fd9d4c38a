import { batch, createSignal, type Accessor } from "solid-js";
import type { Message, ReactionSummary, RoomEvent } from "@parley/protocol";
import type { Attachment } from "../transport/file-transfer.ts";

/** A message of ours not yet acknowledged: shown at once, confirmed by `ack`, or failed with a reason. */
export interface PendingMessage {
  clientId: string;
  body: string;
  createdAt: string;
  status: "pending" | "failed";
  error?: string;
  /** The uploaded files it carries. */
  attachments?: readonly Attachment[];
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
  /** Our reaction toggle on that message and emoji was asked for and its event has not come yet. */
  reactionPending: (messageId: string, emoji: string) => boolean;
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

/**
 * A reaction summary after one user added (`delta` 1) or took back (-1) `emoji`: a new emoji goes
 * last (the order is by first reaction), one that falls to 0 goes away.
 */
export function applyReaction(reactions: readonly ReactionSummary[], emoji: string, delta: 1 | -1, mine: boolean): ReactionSummary[] {
  const i = reactions.findIndex((r) => r.emoji === emoji);
  if (i < 0) return delta > 0 ? [...reactions, { emoji, count: 1, me: mine }] : [...reactions];
  const old = reactions[i]!;
  const next = { emoji, count: old.count + delta, me: mine ? delta > 0 : old.me };
  return next.count > 0 ? reactions.with(i, next) : reactions.filter((_, j) => j !== i);
}

/** The id of the message an event changes. */
const targetOf = (event: RoomEvent) => event.message?.id ?? event.reaction?.messageId;

/**
 * A message after an event: a new object (the row showing it re-renders), or the same one when the
 * event is not about it, or of a kind this client does not know (it still takes its seq).
 */
export function applyEvent(message: Message, event: RoomEvent, meId: string | undefined): Message {
  if (targetOf(event) !== message.id) return message;
  if ((event.kind === "message.edited" || event.kind === "message.deleted") && event.message) return { ...message, ...event.message };
  const r = event.reaction;
  if (!r || (event.kind !== "reaction.added" && event.kind !== "reaction.removed")) return message;
  return { ...message, reactions: applyReaction(message.reactions ?? [], r.emoji, event.kind === "reaction.added" ? 1 : -1, r.user.id === meId) };
}

/**
 * A thread's parent after a reply to it came: one more reply, and the reply's time as the last.
 * A parent whose `lastReplyAt` is already at or past the reply's time counts it already (it came
 * from history or a replay, which send messages as they are now), so it stays as it is.
 */
export function countReply(parent: Message, reply: Message): Message {
  if (reply.parentId !== parent.id || (parent.lastReplyAt !== undefined && parent.lastReplyAt >= reply.createdAt)) return parent;
  return { ...parent, replyCount: (parent.replyCount ?? 0) + 1, lastReplyAt: reply.createdAt };
}

/** `list` with the parents of `replies` counting them; `list` itself when it holds none of them. */
function withReplies<T extends readonly Message[]>(list: T, replies: readonly Message[]): T {
  let next = list;
  for (const reply of replies) {
    const i = next.findLastIndex((m) => m.id === reply.parentId);
    if (i >= 0) next = next.with(i, countReply(next[i]!, reply)) as unknown as T;
  }
  return next;
}

/** The room's timeline holds top-level messages and the thread replies also sent to the room, as history does. */
const inTimeline = (m: Message) => !m.parentId || m.alsoToRoom === true;

/** Replaces the message an event changes in `list`; returns `list` itself when it does not hold it. */
function withEvent<T extends readonly Message[]>(list: T, event: RoomEvent, meId: string | undefined): T {
  const id = targetOf(event);
  const i = list.findLastIndex((m) => m.id === id);
  return i < 0 ? list : (list.with(i, applyEvent(list[i]!, event, meId)) as unknown as T);
}

const toggleKey = (messageId: string, emoji: string) => `${messageId} ${emoji}`;

/**
 * `top`: the highest seq already reflected in what the room will hold; `anchored`: whether `top`
 * is a point of the room's stream (see `createTimelineStore`).
 */
function createRoomTimeline(top: number, anchored: boolean) {
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
  /** Reaction toggles asked for whose event has not come yet (key: message id and emoji). */
  const [toggles, setToggles] = createSignal<ReadonlySet<string>>(new Set());
  /** Live messages that arrived while the window did not reach them. */
  let aside: Message[] = [];

  const reactionPending = (messageId: string, emoji: string) => toggles().has(toggleKey(messageId, emoji));
  const view: Timeline = { messages, pending, hasMore, hasNewer, loaded, loadingOlder, loadingNewer, error, generation, arrivals, reactionPending };

  /** Keeps the live frames not applied yet, in seq order, and moves `top` past them. */
  function fresh<T extends { seq: number }>(frames: readonly T[]): T[] {
    const news: T[] = [];
    for (const f of [...frames].sort((a, b) => a.seq - b.seq)) {
      if (f.seq <= top) continue;
      top = f.seq;
      news.push(f);
    }
    return news;
  }
  /** Our sends among `frames` are stored: their pending copies go. */
  function confirm(frames: readonly Message[]) {
    const confirmed = new Set(frames.map((m) => m.clientId));
    if (pending().some((p) => confirmed.has(p.clientId))) setPending((list) => list.filter((p) => !confirmed.has(p.clientId)));
  }
  function settle(messageId: string, emoji: string) {
    const key = toggleKey(messageId, emoji);
    if (toggles().has(key)) setToggles((set) => new Set([...set].filter((k) => k !== key)));
  }

  function hold(incoming: readonly Message[]) {
    for (const m of incoming) top = Math.max(top, m.seq);
    setMessages((held) => mergeMessages(held, incoming));
    confirm(incoming);
  }

  return {
    view,
    /** The highest seq applied (of a message or an event): where a resubscribe resumes, once anchored. */
    top: () => top,
    anchored: () => anchored,
    /**
     * The room's subscription started at `lastSeq`. Without replay (nothing loaded, a window short
     * of the end, or history loaded before any subscription) what is held, or loaded from now on,
     * is taken to show the events up to it.
     */
    synced(lastSeq: number) {
      if (!loaded() || hasNewer() || !anchored) top = Math.max(top, lastSeq);
      anchored = true;
    },
    /** Stored messages from the socket (live, replayed or acknowledged); those at or below `top` were applied already. */
    live(frames: readonly Message[]) {
      // A reply only in its thread takes its seq and counts on its parent, but has no row here.
      const news = fresh(frames);
      const incoming = news.filter(inTimeline);
      const replies = news.filter((m) => m.parentId);
      batch(() => {
        // An ack after its broadcast is not applied again, but it confirms our send all the same.
        confirm(frames);
        if (hasNewer()) {
          // Not shown yet: the window is older.
          aside = withReplies(mergeMessages(aside, incoming).slice(-ASIDE_MAX) as Message[], replies);
          setMessages((held) => withReplies(held, replies));
          return;
        }
        const last = messages().at(-1)?.seq ?? -1;
        // Only what lands after the newest held is news; a late older one merges in silently.
        const added = incoming.filter((m) => m.seq > last);
        hold(incoming);
        if (replies.length > 0) setMessages((held) => withReplies(held, replies));
        if (added.length > 0) setArrivals(added);
      });
    },
    /** An edit, deletion or reaction from the socket, applied once, to the message held (shown or aside). */
    event(event: RoomEvent, meId: string | undefined) {
      if (fresh([event]).length === 0) return;
      batch(() => {
        setMessages((held) => withEvent(held, event, meId));
        aside = withEvent(aside, event, meId);
        if (event.reaction && event.reaction.user.id === meId) settle(event.reaction.messageId, event.reaction.emoji);
      });
    },
    /** Our toggle of a reaction was asked for: its button shows it pending until the event comes. */
    wantReaction: (messageId: string, emoji: string) => setToggles((set) => new Set(set).add(toggleKey(messageId, emoji))),
    /** The toggle needs no event after all (it failed, or the state held already shows it). */
    settleReaction: settle,
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
    addPending: (clientId: string, body: string, attachments?: readonly Attachment[]) =>
      setPending((list) => [...list, { clientId, body, attachments, createdAt: new Date().toISOString(), status: "pending" }]),
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
  /** For rooms subscribed but not open: the highest seq the socket reached, which their first history will show. */
  const floors = new Map<string, number>();
  const raise = (roomId: string, seq: number) => floors.set(roomId, Math.max(floors.get(roomId) ?? 0, seq));
  const [version, setVersion] = createSignal(0);
  const with_ = (roomId: string, change: (t: RoomTimeline) => void) => {
    const t = rooms.get(roomId);
    if (t) change(t);
  };
  /** A frame at `seq`: applied by the room's timeline, or only counted for a room not open. */
  const deliver = (roomId: string, seq: number, change: (t: RoomTimeline) => void) => {
    const t = rooms.get(roomId);
    if (t) change(t);
    else raise(roomId, seq);
  };

  return {
    /** The room's timeline, once something asked for it (reactive: a view mounted early sees it appear). */
    get: (roomId: string): Timeline | undefined => (version(), rooms.get(roomId)?.view),
    ensure(roomId: string): Timeline {
      let t = rooms.get(roomId);
      if (!t) {
        rooms.set(roomId, (t = createRoomTimeline(floors.get(roomId) ?? 0, floors.has(roomId))));
        setVersion((v) => v + 1);
      }
      return t.view;
    },
    /**
     * The highest seq applied (a message's or an event's), for `subscribe.afterSeq`. Undefined for a
     * room not loaded, one whose window does not reach the live end (its gap is closed by paging,
     * not by a replay), and one whose history came before any subscription: its newest message's
     * seq says nothing of the edits and reactions after it that the history already showed, and
     * a replay from there would apply them twice.
     */
    lastSeq(roomId: string) {
      const t = rooms.get(roomId);
      if (!t?.view.loaded() || t.view.hasNewer() || !t.anchored()) return undefined;
      return t.top();
    },
    /** The room's `subscribed.lastSeq`, for a subscription that replays nothing. */
    synced: (roomId: string, lastSeq: number) => deliver(roomId, lastSeq, (t) => t.synced(lastSeq)),
    add: (roomId: string, messages: Message[]) => deliver(roomId, Math.max(...messages.map((m) => m.seq)), (t) => t.live(messages)),
    /** An `event` frame: an edit, deletion or reaction; `meId` tells whether a reaction is ours. */
    event: (event: RoomEvent, meId: string | undefined) => deliver(event.roomId, event.seq, (t) => t.event(event, meId)),
    wantReaction: (roomId: string, messageId: string, emoji: string) => with_(roomId, (t) => t.wantReaction(messageId, emoji)),
    settleReaction: (roomId: string, messageId: string, emoji: string) => with_(roomId, (t) => t.settleReaction(messageId, emoji)),
    /** A page of history: older than what is held, or the first page. */
    page: (roomId: string, messages: Message[], hasMore: boolean) => with_(roomId, (t) => t.older(messages, hasMore)),
    newer: (roomId: string, messages: Message[], hasMore: boolean) => with_(roomId, (t) => t.newer(messages, hasMore)),
    around: (roomId: string, before: { messages: Message[]; hasMore: boolean }, after: { messages: Message[]; hasMore: boolean }) =>
      with_(roomId, (t) => t.around(before.messages, before.hasMore, after.messages, after.hasMore)),
    setLoading: (roomId: string, loading: boolean, error?: string) => with_(roomId, (t) => t.setLoadingOlder(loading, error)),
    setLoadingNewer: (roomId: string, loading: boolean, error?: string) => with_(roomId, (t) => t.setLoadingNewer(loading, error)),
    reset: (roomId: string) => with_(roomId, (t) => t.reset()),
    addPending: (roomId: string, clientId: string, body: string, attachments?: readonly Attachment[]) =>
      with_(roomId, (t) => t.addPending(clientId, body, attachments)),
    /** Marks a send failed (the server refused it) or pending again (retry). */
    setStatus: (roomId: string, clientId: string, status: PendingMessage["status"], error?: string) =>
      with_(roomId, (t) => t.setStatus(clientId, status, error)),
    discard: (roomId: string, clientId: string) => with_(roomId, (t) => t.discard(clientId)),
    drop(roomId: string) {
      floors.delete(roomId);
      if (rooms.delete(roomId)) setVersion((v) => v + 1);
    },
  };
}
export type TimelineStore = ReturnType<typeof createTimelineStore>;
