import { createEffect, createMemo, createSignal, Match, on, onCleanup, onMount, Show, Switch, untrack } from "solid-js";
import { Virtualizer, type VirtualizerHandle } from "virtua/solid";
import type { User } from "@parley/protocol";
import { msUntilMidnight, timeOf } from "../lib/format.ts";
import type { Timeline } from "../state/timeline-store.ts";
import type { Conversation } from "./conversation.ts";
import { MessageRow } from "./message-row.tsx";
import { StoredMessage } from "./stored-message.tsx";
import { buildRows, isPrepend, type Row, type RowCache } from "./rows.ts";

export interface MessageListProps {
  timeline: Timeline;
  roomName: string;
  me: User;
  /** The last seq read before the room was opened: a "New messages" line goes after it. */
  lastRead: number;
  onLoadOlder: () => Promise<void> | void;
  /** Pages forward, when the window held does not reach the newest message. */
  onLoadNewer?: () => Promise<void> | void;
  /** Drops the window held and loads the newest page (the window was around the first unread). */
  onJumpToLatest?: () => Promise<void> | void;
  onRetry: (clientId: string) => void;
  onDiscard: (clientId: string) => void;
  /** Edits, deletions and reactions; without it messages are only shown. */
  conversation?: Conversation;
  /** The id of the message whose body is being edited (↑ in the composer, or its Edit button). */
  editing?: string;
  onEditingChange?: (messageId: string | undefined) => void;
  /** The message a search result opened (by seq): the list scrolls to it once it is held, and marks it. */
  focus?: { seq: number; at: number };
}

/** Within this of the end, the view follows new messages. */
const NEAR_BOTTOM_PX = 48;
/** Within this of either end of what is held, the next page is fetched. */
const PAGE_AHEAD_PX = 600;
/** How long after an older page goes in the message on screen is held in place (rows measured late move it). */
const ANCHOR_HOLD_MS = 700;
/** Moves of the held message up to this are corrected; larger ones are the list's own pending jump. */
const ANCHOR_SLACK_PX = 120;
/** Pixels drawn beyond the viewport each way: enough for a fast wheel, few enough to stay cheap. */
const BUFFER_PX = 600;

/**
 * The room's timeline: a virtualised list (virtua) of grouped messages with day separators, the
 * "New messages" line and pending sends. Only the rows on screen (and a buffer) are in the DOM.
 * Older pages go in above without moving what is on screen (virtua's `shift` keeps the place from
 * the end); new messages are followed while the view is at the end and counted in a pill otherwise.
 */
export function MessageList(props: MessageListProps) {
  let scroller!: HTMLDivElement;
  const [list, setList] = createSignal<VirtualizerHandle>();
  const [atBottom, setAtBottom] = createSignal(true);
  const [unseen, setUnseen] = createSignal(0);
  const [unreadAbove, setUnreadAbove] = createSignal(false);
  const [announcement, setAnnouncement] = createSignal("");
  const [now, setNow] = createSignal(new Date());
  const lastRead = untrack(() => props.lastRead);

  // "Today" becomes "Yesterday" at the viewer's midnight.
  let midnight: ReturnType<typeof setTimeout>;
  const tick = () => (midnight = setTimeout(() => (setNow(new Date()), tick()), msUntilMidnight() + 1000));
  tick();
  onCleanup(() => clearTimeout(midnight));

  // virtua keeps the place from the end when a page goes in above, from its estimate of the new
  // rows' heights; where a row on screen is measured late, the first message on screen is put back
  // where it was for a few frames, unless the reader scrolls meanwhile.
  let userScrolledAt = 0;
  const readerScrolls = () => (userScrolledAt = performance.now());
  const captureAnchor = () => {
    const top = scroller.getBoundingClientRect().top;
    for (const el of scroller.querySelectorAll<HTMLElement>(".message[data-seq]")) {
      const at = el.getBoundingClientRect().top;
      if (at >= top) return { seq: el.dataset.seq!, top: at };
    }
    return undefined;
  };
  function holdAnchor(anchor: { seq: string; top: number } | undefined) {
    if (!anchor) return;
    const since = performance.now();
    const step = () => {
      if (userScrolledAt > since) return;
      const el = scroller.querySelector(`.message[data-seq="${anchor.seq}"]`);
      const moved = el ? el.getBoundingClientRect().top - anchor.top : 0;
      // A small move is a row measured late; a large one is virtua's own jump for the page still to
      // come (on a busy main thread it can land after this frame), which must not be made twice.
      if (Math.abs(moved) >= 0.5 && Math.abs(moved) < ANCHOR_SLACK_PX) scroller.scrollTop += moved;
      if (performance.now() - since < ANCHOR_HOLD_MS) requestAnimationFrame(step);
    };
    queueMicrotask(step);
  }

  let built: Row[] = [];
  const cache: RowCache = new WeakMap();
  let shifted = false;
  const rows = createMemo(() => {
    const t = props.timeline;
    const next = buildRows({ messages: t.messages(), pending: t.pending(), me: props.me, lastRead, hasMore: t.hasMore(), loaded: t.loaded() }, cache);
    shifted = isPrepend(built, next);
    if (shifted && scroller) holdAnchor(untrack(captureAnchor));
    built = next;
    return next;
  });
  const wasPrepend = () => (rows(), shifted);
  const unreadIndex = createMemo(() => rows().findIndex((r) => r.kind === "unread"));
  const canLoadOlder = () => props.timeline.hasMore() && !props.timeline.loadingOlder();

  const scrollToEnd = () => {
    setUnseen(0);
    // A list that fits its box does not scroll, so no scroll event would say it is at the end.
    setAtBottom(!props.timeline.hasNewer());
    const count = rows().length;
    if (count > 0) list()?.scrollToIndex(count - 1, { align: "end" });
    scroller.scrollTop = scroller.scrollHeight;
  };
  const jumpToLatest = async () => {
    if (props.timeline.hasNewer() && props.onJumpToLatest) await props.onJumpToLatest();
    scrollToEnd();
  };
  const jumpToUnread = () => {
    const i = unreadIndex();
    if (i >= 0) list()?.scrollToIndex(i, { align: "start" });
  };
  const focusIndex = createMemo(() => {
    const seq = props.focus?.seq;
    return seq === undefined ? -1 : rows().findIndex((r) => r.kind === "message" && r.message.seq === seq);
  });
  const focusHeld = createMemo(() => focusIndex() >= 0);
  const jumpToFocus = () => {
    const i = focusIndex();
    if (i >= 0) list()?.scrollToIndex(i, { align: "center" });
  };

  let lastScrollTop = 0;
  function onScroll() {
    const handle = list();
    const fromEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
    const movedUp = scroller.scrollTop < lastScrollTop - 1;
    lastScrollTop = scroller.scrollTop;
    // The view leaves the end only when it moves up: rows growing below it (measured, a message
    // arriving) scroll it down, and it follows them (followEnd) rather than count them as unseen.
    if (props.timeline.hasNewer() || (movedUp && fromEnd >= NEAR_BOTTOM_PX)) setAtBottom(false);
    else if (fromEnd < NEAR_BOTTOM_PX) setAtBottom(true);
    if (atBottom()) setUnseen(0);
    const i = unreadIndex();
    setUnreadAbove(!!handle && i >= 0 && handle.getItemOffset(i) < scroller.scrollTop);
    if (scroller.scrollTop < PAGE_AHEAD_PX && canLoadOlder()) void props.onLoadOlder();
    if (fromEnd < PAGE_AHEAD_PX && props.timeline.hasNewer() && !props.timeline.loadingNewer()) void props.onLoadNewer?.();
  }

  // The first rows of a window: open at the message a search found, or the first unread, else at the end.
  const hasRows = createMemo(() => rows().length > 0);
  createEffect(
    on([() => props.timeline.generation(), hasRows], ([, any]) => {
      if (!any) return;
      const i = untrack(unreadIndex);
      queueMicrotask(() => (untrack(focusHeld) ? jumpToFocus() : i >= 0 ? jumpToUnread() : scrollToEnd()));
    }),
  );
  // A search result in the window held (or once its window is in): scroll to it.
  createEffect(
    on([() => props.focus, focusHeld], ([focus, held]) => {
      if (focus && held) queueMicrotask(jumpToFocus);
    }),
  );

  // Live messages: follow them at the bottom, count them otherwise (pages of history are not news).
  createEffect(
    on(
      () => props.timeline.arrivals(),
      (added, previous) => {
        if (previous === undefined || added.length === 0) return;
        const fromOthers = added.filter((m) => m.user.id !== props.me.id);
        const last = fromOthers.at(-1);
        if (last) setAnnouncement(`${last.user.username}: ${last.body.slice(0, 200)}`);
        if (untrack(atBottom)) queueMicrotask(scrollToEnd);
        else setUnseen((n) => n + fromOthers.length);
      },
    ),
  );
  createEffect(
    on(
      () => props.timeline.pending().length,
      (count, previous) => {
        if (previous !== undefined && count > previous) queueMicrotask(scrollToEnd);
      },
    ),
  );

  // The message being edited comes into view (↑ may pick one scrolled away); its editor takes the
  // focus. A view that was at the end when editing began is back at the end when it is over.
  let editedAtEnd = false;
  createEffect(
    on(
      () => props.editing,
      (id, previous) => {
        if (id === undefined) {
          if (previous !== undefined && editedAtEnd) queueMicrotask(scrollToEnd);
          return;
        }
        if (previous === undefined) editedAtEnd = untrack(atBottom);
        const i = untrack(rows).findIndex((r) => r.kind === "message" && r.message.id === id);
        if (i >= 0) list()?.scrollToIndex(i, { align: "nearest" });
      },
    ),
  );

  // Rows change size as they are measured: stay at the end while following it.
  const followEnd = () => {
    if (atBottom() && !props.timeline.hasNewer()) scroller.scrollTop = scroller.scrollHeight;
  };

  onMount(() => {
    // A first page shorter than the screen leaves nothing to scroll: fetch more now.
    const fill = setInterval(() => {
      if (scroller.scrollHeight <= scroller.clientHeight + PAGE_AHEAD_PX && scroller.clientHeight > 0 && canLoadOlder()) void props.onLoadOlder();
    }, 300);
    onCleanup(() => clearInterval(fill));
  });

  return (
    <div class="timeline-wrap">
      <Show when={unreadAbove()}>
        {(_) => {
          const first = () => rows()[unreadIndex()];
          return (
            <div class="unread-banner" role="status">
              <span>New messages since {first()?.kind === "unread" ? timeOf((first() as Extract<Row, { kind: "unread" }>).first.createdAt) : ""}</span>
              <button type="button" class="link-button" onClick={jumpToUnread}>
                Jump to first unread
              </button>
            </div>
          );
        }}
      </Show>
      <div
        ref={scroller}
        class="timeline"
        role="log"
        aria-live="off"
        aria-label={`Messages in ${props.roomName}`}
        tabindex="0"
        onScroll={onScroll}
        onWheel={readerScrolls}
        onTouchMove={readerScrolls}
        onKeyDown={readerScrolls}
        onPointerDown={readerScrolls}
      >
        <div class="timeline-inner">
          <Virtualizer ref={setList} data={rows()} scrollRef={scroller} bufferSize={BUFFER_PX} shift={wasPrepend()} onResize={followEnd}>
            {(row) => (
              <Switch>
                <Match when={row.kind === "start"}>
                  <p class="timeline-start muted">This is the beginning of {props.roomName}.</p>
                </Match>
                <Match when={row.kind === "unread"}>
                  <div class="new-marker" role="separator" aria-label="New messages">
                    <span>New messages</span>
                  </div>
                </Match>
                <Match when={row.kind === "message" && row}>
                  {(r) => (
                    <StoredMessage
                      row={r()}
                      me={props.me}
                      now={now}
                      timeline={props.timeline}
                      conversation={props.conversation}
                      editing={props.editing === r().message.id}
                      found={props.focus?.seq === r().message.seq}
                      onEditing={(on) => props.onEditingChange?.(on ? r().message.id : undefined)}
                    />
                  )}
                </Match>
                <Match when={row.kind === "pending" && row}>
                  {(r) => (
                    <MessageRow
                      user={props.me}
                      body={r().pending.body}
                      attachments={r().pending.attachments}
                      createdAt={r().pending.createdAt}
                      clientId={r().pending.clientId}
                      pending={r().pending}
                      groupStart={r().groupStart}
                      dayStart={r().dayStart}
                      now={now}
                      onRetry={() => props.onRetry(r().pending.clientId)}
                      onDiscard={() => props.onDiscard(r().pending.clientId)}
                    />
                  )}
                </Match>
              </Switch>
            )}
          </Virtualizer>
        </div>
      </div>
      {/* Over the list, not in it: a line above the first row would sit between the viewport's top and the row that must not move. */}
      <Switch>
        <Match when={props.timeline.loadingOlder()}>
          <p class="timeline-status muted" role="status">
            Loading older messages…
          </p>
        </Match>
        <Match when={props.timeline.error()}>
          <p class="timeline-status error" role="alert">
            Could not load messages: {props.timeline.error()}{" "}
            <button type="button" class="link-button" onClick={() => void (props.timeline.hasNewer() ? props.onLoadNewer?.() : props.onLoadOlder())}>
              Retry
            </button>
          </p>
        </Match>
      </Switch>
      <p class="visually-hidden" aria-live="polite">
        {announcement()}
      </p>
      <Show when={(!atBottom() && unseen() > 0) || props.timeline.hasNewer()}>
        <button type="button" class="jump-button" onClick={() => void jumpToLatest()}>
          {unseen() > 0 ? `${unseen()} new ${unseen() === 1 ? "message" : "messages"} ↓` : "Jump to latest ↓"}
        </button>
      </Show>
    </div>
  );
}
