import { createEffect, createMemo, createSignal, For, Match, on, Show, Switch, untrack } from "solid-js";
import type { Message, User } from "@parley/protocol";
import { GROUP_GAP_MS } from "../lib/format.ts";
import type { Notice, Timeline } from "../state/timeline-store.ts";
import { MessageRow } from "./message-row.tsx";

export interface MessageListProps {
  timeline: Timeline;
  roomName: string;
  me: User;
  /** The last seq read before the room was opened: a "New messages" line goes after it. */
  lastRead: number;
  onLoadOlder: () => Promise<void> | void;
  onRetry: (clientId: string) => void;
  onDiscard: (clientId: string) => void;
}

const DIVIDER = { kind: "divider" } as const;
type Entry = Message | Notice | typeof DIVIDER;
const isMessage = (e: Entry | undefined): e is Message => !!e && "seq" in e;
const NEAR_BOTTOM_PX = 48;
const NEAR_TOP_PX = 150;

/** The room's timeline: grouped messages, notices, paging upwards without jumping, and pending sends. */
export function MessageList(props: MessageListProps) {
  let scroller!: HTMLDivElement;
  const [atBottom, setAtBottom] = createSignal(true);
  const [unseen, setUnseen] = createSignal(0);
  const markerAfter = untrack(() => props.lastRead);

  const entries = createMemo<Entry[]>(() => {
    const out: Entry[] = [];
    const notices = props.timeline.notices;
    let n = 0;
    let marked = markerAfter === 0;
    for (const m of props.timeline.messages) {
      while (n < notices.length && notices[n]!.afterSeq < m.seq) out.push(notices[n++]!);
      if (!marked && m.seq > markerAfter && m.user.id !== props.me.id) {
        marked = true;
        out.push(DIVIDER);
      }
      out.push(m);
    }
    while (n < notices.length) out.push(notices[n++]!);
    return out;
  });
  const lastMessage = () => props.timeline.messages.at(-1);
  const startsGroup = (prev: Entry | undefined, userId: string, at: string) =>
    !isMessage(prev) || prev.user.id !== userId || Date.parse(at) - Date.parse(prev.createdAt) > GROUP_GAP_MS;

  const scrollToEnd = () => {
    scroller.scrollTop = scroller.scrollHeight;
    setUnseen(0);
  };
  async function loadOlder() {
    if (!props.timeline.hasMore || props.timeline.loadingOlder) return;
    const height = scroller.scrollHeight;
    const top = scroller.scrollTop;
    await props.onLoadOlder();
    // Keep the message that was on screen where it was: older ones went in above it.
    scroller.scrollTop = top + (scroller.scrollHeight - height);
  }
  function onScroll() {
    const bottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
    setAtBottom(bottom);
    if (bottom) setUnseen(0);
    if (scroller.scrollTop < NEAR_TOP_PX) void loadOlder();
  }

  createEffect(
    on([() => lastMessage()?.seq, () => props.timeline.pending.length], ([, pendingCount], previous) => {
      const sentByMe = previous && pendingCount > previous[1];
      if (atBottom() || sentByMe || lastMessage()?.user.id === props.me.id) scrollToEnd();
      else if (previous) setUnseen(unseen() + 1);
      // A first page shorter than the screen leaves nothing to scroll: fetch more now.
      if (scroller.scrollHeight <= scroller.clientHeight + NEAR_TOP_PX && scroller.clientHeight > 0) void loadOlder();
    }),
  );

  return (
    <div class="timeline-wrap">
      <div ref={scroller} class="timeline" role="log" aria-live="polite" aria-label={`Messages in ${props.roomName}`} tabindex="0" onScroll={onScroll}>
        <div class="timeline-start">
          <Switch>
            <Match when={props.timeline.loadingOlder}>
              <p class="muted">Loading older messages…</p>
            </Match>
            <Match when={props.timeline.error}>
              <p class="error">Could not load messages: {props.timeline.error}</p>
            </Match>
            <Match when={props.timeline.hasMore}>
              <button type="button" class="link-button" onClick={() => void loadOlder()}>
                Load older messages
              </button>
            </Match>
            <Match when={props.timeline.loaded}>
              <p class="muted">This is the beginning of {props.roomName}.</p>
            </Match>
          </Switch>
        </div>
        <For each={entries()}>
          {(entry, index) => (
            <Switch>
              <Match when={entry === DIVIDER}>
                <div class="new-marker" role="separator">
                  <span>New messages</span>
                </div>
              </Match>
              <Match when={isMessage(entry) && entry}>
                {(m) => (
                  <MessageRow
                    user={m().user}
                    body={m().body}
                    createdAt={m().createdAt}
                    seq={m().seq}
                    clientId={m().clientId}
                    groupStart={startsGroup(entries()[index() - 1], m().user.id, m().createdAt)}
                  />
                )}
              </Match>
              <Match when={!isMessage(entry) && entry !== DIVIDER && (entry as Notice)}>{(notice) => <p class="notice">{notice().text}</p>}</Match>
            </Switch>
          )}
        </For>
        <For each={props.timeline.pending}>
          {(p, index) => (
            <MessageRow
              user={props.me}
              body={p.body}
              createdAt={p.createdAt}
              clientId={p.clientId}
              pending={p}
              groupStart={index() === 0}
              onRetry={() => props.onRetry(p.clientId)}
              onDiscard={() => props.onDiscard(p.clientId)}
            />
          )}
        </For>
      </div>
      <Show when={!atBottom() && unseen() > 0}>
        <button type="button" class="jump-button" onClick={scrollToEnd}>
          {unseen()} new {unseen() === 1 ? "message" : "messages"} ↓
        </button>
      </Show>
    </div>
  );
}
