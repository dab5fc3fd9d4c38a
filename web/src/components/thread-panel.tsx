import { createEffect, createMemo, createSignal, For, Match, on, Show, Switch } from "solid-js";
import type { Member, User } from "@parley/protocol";
import { dayKeyOf } from "../lib/format.ts";
import type { SuggestionsStore } from "../state/suggestions-store.ts";
import type { Thread } from "../state/thread-store.ts";
import type { Timeline } from "../state/timeline-store.ts";
import { lastEditable, type Conversation } from "../timeline/conversation.ts";
import { MessageRow } from "../timeline/message-row.tsx";
import { buildRows, type MessageRowModel, type Row } from "../timeline/rows.ts";
import { StoredMessage } from "../timeline/stored-message.tsx";
import type { Attachment } from "../transport/file-transfer.ts";
import { useAttachments } from "../state/app-context.tsx";
import { Composer } from "./composer.tsx";
import { createFileDrop, DropTarget } from "./file-drop.tsx";

export interface ThreadPanelProps {
  thread: Thread;
  roomName: string;
  me: User;
  now: () => Date;
  /** The room's timeline, where our reaction toggles wait for their events. */
  timeline: Pick<Timeline, "reactionPending">;
  /** Edits, deletions and reactions of the parent and the replies (no thread of their own). */
  conversation: Conversation;
  suggestions: SuggestionsStore;
  onSend: (body: string, alsoToRoom: boolean, attachments: Attachment[]) => void;
  onTyping: () => void;
  onLoadOlder: () => void;
  onReload: () => void;
  onRetry: (clientId: string) => void;
  onDiscard: (clientId: string) => void;
  onClose: () => void;
  /** Who its composer offers after `@`. */
  mentionCandidates?: () => Member[];
}

/** Within this of the end, the panel follows new replies. */
const NEAR_BOTTOM_PX = 48;

/**
 * A message's thread beside the timeline (over it on a phone): the parent, its replies with the
 * timeline's rows (grouped by author, with their actions), older ones on request, and a composer
 * of its own with "Also send to the room". Esc or the close button closes it.
 */
export function ThreadPanel(props: ThreadPanelProps) {
  let scroller!: HTMLDivElement;
  const [editing, setEditing] = createSignal<string>();
  const [alsoToRoom, setAlsoToRoom] = createSignal(false);
  const draftKey = () => `${props.thread.roomId}.thread.${props.thread.parentId}`;
  // Files dropped on the thread go to its composer (not the room's); none once its parent is deleted.
  const uploads = useAttachments()?.uploads;
  const drop = createFileDrop((files) => !props.thread.parent()?.deleted && uploads?.queue(draftKey()).add(files));
  /** ↑ in the empty thread composer edits the user's last reply, as in the room's. */
  const editLast = () => {
    const last = lastEditable(props.thread.replies(), props.me);
    if (last) setEditing(last.id);
    return last !== undefined;
  };
  const parentRow = createMemo<MessageRowModel | undefined>(() => {
    const parent = props.thread.parent();
    return parent && { kind: "message", key: `m:${parent.seq}`, message: parent, groupStart: true, dayStart: false };
  });
  const rows = createMemo(() => {
    const built = buildRows({ messages: props.thread.replies(), pending: props.thread.pending(), me: props.me, lastRead: 0, hasMore: false, loaded: true });
    const shown = built.filter((r): r is Exclude<Row, { kind: "start" | "unread" }> => r.kind === "message" || r.kind === "pending");
    // No day separator under a parent of the same day: the panel starts with that day already.
    const first = shown[0];
    const parent = props.thread.parent();
    const at = first && (first.kind === "message" ? first.message.createdAt : first.pending.createdAt);
    if (first?.dayStart && parent && dayKeyOf(at!) === dayKeyOf(parent.createdAt)) shown[0] = { ...first, dayStart: false };
    return shown;
  });
  const count = () => props.thread.parent()?.replyCount ?? props.thread.replies().length;

  let atBottom = true;
  const onScroll = () => (atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX);
  const toEnd = () => queueMicrotask(() => ((scroller.scrollTop = scroller.scrollHeight), (atBottom = true)));
  // The thread opens at its newest reply; new ones are followed at the end, and our own always.
  createEffect(
    on(
      () => props.thread.loaded(),
      (loaded) => loaded && toEnd(),
    ),
  );
  createEffect(
    on(
      () => props.thread.replies().at(-1)?.seq,
      () => atBottom && toEnd(),
      { defer: true },
    ),
  );
  createEffect(
    on(
      () => props.thread.pending().length,
      (n, before) => before !== undefined && n > before && toEnd(),
    ),
  );

  const onKeyDown = (e: KeyboardEvent) => {
    // The composer's suggestion, an editor or the emoji picker take their own Esc first.
    if (e.key !== "Escape" || e.defaultPrevented) return;
    e.preventDefault();
    props.onClose();
  };
  const message = (r: MessageRowModel) => (
    <StoredMessage
      row={r}
      me={props.me}
      now={props.now}
      timeline={props.timeline}
      conversation={props.conversation}
      editing={editing() === r.message.id}
      onEditing={(on) => setEditing(on ? r.message.id : undefined)}
    />
  );

  return (
    <aside class="thread-panel" aria-labelledby="thread-title" onKeyDown={onKeyDown} {...(uploads ? drop.handlers : {})}>
      <DropTarget shown={drop.over()} label="Drop files to reply with them" />
      <header class="thread-header">
        <h2 id="thread-title">Thread</h2>
        <span class="thread-room">{props.roomName}</span>
        <button type="button" class="quiet thread-close" aria-label="Close thread" title="Close (Esc)" onClick={() => props.onClose()}>
          <span aria-hidden="true">✕</span>
        </button>
      </header>
      <div ref={scroller} class="thread-scroll" role="log" aria-label="Thread replies" tabindex="0" onScroll={onScroll}>
        <Show when={parentRow()}>{(r) => <div class="thread-parent">{message(r())}</div>}</Show>
        <Switch>
          <Match when={props.thread.error()}>
            <p class="thread-status error" role="alert">
              Could not load the thread: {props.thread.error()}{" "}
              <button type="button" class="link-button" onClick={() => (props.thread.loaded() ? props.onLoadOlder() : props.onReload())}>
                Retry
              </button>
            </p>
          </Match>
          <Match when={!props.thread.loaded()}>
            <p class="thread-status muted" role="status">
              Loading the thread…
            </p>
          </Match>
          <Match when={props.thread.loaded()}>
            <div class="thread-divider" role="separator" aria-label={count() === 1 ? "1 reply" : `${count()} replies`}>
              <span>{count() === 0 ? "No replies yet" : count() === 1 ? "1 reply" : `${count()} replies`}</span>
            </div>
          </Match>
        </Switch>
        <Show when={props.thread.hasMore()}>
          <p class="thread-more">
            <button type="button" class="link-button" disabled={props.thread.loadingOlder()} onClick={() => props.onLoadOlder()}>
              {props.thread.loadingOlder() ? "Loading…" : "Load earlier replies"}
            </button>
          </p>
        </Show>
        <For each={rows()}>
          {(row) => (
            <Switch>
              <Match when={row.kind === "message" && row}>{(r) => message(r())}</Match>
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
                    now={props.now}
                    onRetry={() => props.onRetry(r().pending.clientId)}
                    onDiscard={() => props.onDiscard(r().pending.clientId)}
                  />
                )}
              </Match>
            </Switch>
          )}
        </For>
      </div>
      <Show when={!props.thread.parent()?.deleted} fallback={<p class="thread-closed muted">The message was deleted: its thread takes no new replies.</p>}>
        <div class="thread-compose">
          <Composer
            roomId={props.thread.roomId}
            roomName={props.roomName}
            label="Reply in thread"
            draftKey={draftKey()}
            suggestions={props.suggestions}
            onSend={(body, attachments) => props.onSend(body, alsoToRoom(), attachments)}
            onTyping={() => props.onTyping()}
            onEditLast={editLast}
            mentionCandidates={props.mentionCandidates}
          />
          <label class="also-to-room">
            <input type="checkbox" checked={alsoToRoom()} onChange={(e) => setAlsoToRoom(e.currentTarget.checked)} /> Also send to {props.roomName}
          </label>
        </div>
      </Show>
    </aside>
  );
}
