import { batch, createSignal, type Accessor } from "solid-js";
import type { Message, RoomEvent } from "@parley/protocol";
import type { ThreadPage } from "../transport/http-client.ts";
import type { Attachment } from "../transport/file-transfer.ts";
import { applyEvent, countReply, mergeMessages, type PendingMessage } from "./timeline-store.ts";

/** A reply of ours not yet acknowledged, and whether it goes to the room too. */
export interface PendingReply extends PendingMessage {
  alsoToRoom: boolean;
}

/**
 * The thread open beside the timeline: its parent, a contiguous run of its newest replies (older
 * ones paged in), and our pending replies. Each field is a signal, as in a room's `Timeline`.
 */
export interface Thread {
  roomId: string;
  parentId: string;
  /** The parent as it is now; the timeline's copy until the thread's first page comes. */
  parent: Accessor<Message | undefined>;
  replies: Accessor<readonly Message[]>;
  pending: Accessor<readonly PendingReply[]>;
  /** Older replies exist before the first one held. */
  hasMore: Accessor<boolean>;
  loaded: Accessor<boolean>;
  loadingOlder: Accessor<boolean>;
  error: Accessor<string | undefined>;
}

/**
 * One thread's state. `top` is the highest seq of the room's stream reflected in what is held:
 * a frame at or below it is applied already (or shown by a page read after it), so a reply that
 * comes both live and in a page shows once, and an event replayed after a resume is not applied
 * twice.
 */
function createOpenThread(roomId: string, parentId: string, initial: Message | undefined) {
  const [parent, setParent] = createSignal(initial);
  const [replies, setReplies] = createSignal<readonly Message[]>([]);
  const [pending, setPending] = createSignal<readonly PendingReply[]>([]);
  const [hasMore, setHasMore] = createSignal(false);
  const [loaded, setLoaded] = createSignal(false);
  const [loadingOlder, setLoadingOlder] = createSignal(false);
  const [error, setError] = createSignal<string>();
  let top = 0;
  /** The newest request for the thread's newest page: an older one's answer is dropped. */
  let request = 0;
  const view: Thread = { roomId, parentId, parent, replies, pending, hasMore, loaded, loadingOlder, error };

  return {
    view,
    /** Whether a first page was asked for: a resumed subscription then makes it stale. */
    started: () => request > 0,
    /** Stored messages of the room (live, replayed or acknowledged): this thread's replies go in once each. */
    live(frames: readonly Message[]) {
      const ours = frames.filter((m) => m.parentId === parentId && m.roomId === roomId);
      if (ours.length === 0) return;
      const confirmed = new Set(ours.map((m) => m.clientId));
      const news = ours.filter((m) => m.seq > top).sort((a, b) => a.seq - b.seq);
      batch(() => {
        if (pending().some((p) => confirmed.has(p.clientId))) setPending((list) => list.filter((p) => !confirmed.has(p.clientId)));
        if (news.length === 0) return;
        top = news.at(-1)!.seq;
        setReplies((held) => mergeMessages(held, news));
        setParent((p) => p && news.reduce(countReply, p));
      });
    },
    /** An edit, deletion or reaction in the room: applied once, to the parent or a reply it names. */
    event(event: RoomEvent, meId: string | undefined) {
      if (event.roomId !== roomId || event.seq <= top) return;
      top = event.seq;
      batch(() => {
        setParent((p) => p && applyEvent(p, event, meId));
        setReplies((held) => (held.some((m) => applyEvent(m, event, meId) !== m) ? held.map((m) => applyEvent(m, event, meId)) : held));
      });
    },
    /** The room's subscription (re)started at `lastSeq`: a page asked for now shows everything up to it. */
    resync(lastSeq: number) {
      top = Math.max(top, lastSeq);
    },
    /** A request for the newest page begins; its answer goes to `newest` with this token. */
    begin: () => ++request,
    /**
     * The thread's newest page, read at `token`'s request: it replaces what is held, but for replies
     * newer than it (they came live after it was read), which stay and count on its parent.
     */
    newest(page: ThreadPage, token: number) {
      if (token !== request) return;
      const newest = page.messages.at(-1)?.seq ?? 0;
      const later = replies().filter((m) => m.seq > newest);
      top = Math.max(top, newest);
      batch(() => {
        setReplies(mergeMessages(page.messages, later));
        setParent(later.reduce(countReply, page.parent));
        setHasMore(page.hasMore);
        setLoaded(true);
        setError(undefined);
      });
    },
    /** A page of older replies. */
    older(page: ThreadPage) {
      batch(() => {
        const first = replies()[0]?.seq ?? Infinity;
        setReplies((held) => mergeMessages(held, page.messages));
        if (page.messages.length === 0 || page.messages[0]!.seq <= first) setHasMore(page.hasMore);
        setLoadingOlder(false);
        setError(undefined);
      });
    },
    setLoadingOlder(loading: boolean, problem?: string) {
      batch(() => (setLoadingOlder(loading), setError(problem)));
    },
    /** A page could not be read. */
    failed: (problem: string) => setError(problem),
    addPending: (clientId: string, body: string, alsoToRoom: boolean, attachments?: readonly Attachment[]) =>
      setPending((list) => [...list, { clientId, body, alsoToRoom, attachments, createdAt: new Date().toISOString(), status: "pending" }]),
    setStatus: (clientId: string, status: PendingMessage["status"], problem?: string) =>
      setPending((list) => list.map((p) => (p.clientId === clientId ? { ...p, status, error: problem } : p))),
    discard: (clientId: string) => setPending((list) => list.filter((p) => p.clientId !== clientId)),
  };
}
export type OpenThread = ReturnType<typeof createOpenThread>;

/** The one thread open at a time (a new one replaces it), fed by the room's stream like the timeline. */
export function createThreadStore() {
  const [current, setCurrent] = createSignal<OpenThread>();
  return {
    current,
    /** Opens the parent's thread, or keeps it when it is the one open; `parent` shows until the first page comes. */
    open(roomId: string, parentId: string, parent?: Message): OpenThread {
      const open = current();
      if (open?.view.roomId === roomId && open.view.parentId === parentId) return open;
      const thread = createOpenThread(roomId, parentId, parent);
      setCurrent(thread);
      return thread;
    },
    close: () => setCurrent(undefined),
    live: (frames: readonly Message[]) => current()?.live(frames),
    event: (event: RoomEvent, meId: string | undefined) => current()?.event(event, meId),
    /** A message held by the open thread (its parent or a reply), by id. */
    find(messageId: string): Message | undefined {
      const view = current()?.view;
      return view?.parent()?.id === messageId ? view.parent() : view?.replies().find((m) => m.id === messageId);
    },
  };
}
export type ThreadStore = ReturnType<typeof createThreadStore>;
